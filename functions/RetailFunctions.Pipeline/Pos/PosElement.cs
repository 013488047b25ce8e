using System.Text;
using System.Xml;

namespace RetailFunctions.Pipeline.Pos;

/// <summary>
/// One element of a POSLog transaction as the reader maps it: local name, attributes (namespace declarations left
/// out), child elements and text. Built straight from the XmlReader, it costs a fraction of an XElement (no XName
/// atomizing, no node objects for text, children in one exact-size array) and its lookups are plain loops; the
/// mapping matches by local name only. <see cref="Value"/> is what <c>XElement.Value</c> is: all text inside, in
/// document order.
/// </summary>
internal sealed class PosElement
{
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    private PosElement[] _children = [];
    private KeyValuePair<string, string>[]? _attributes;
    // The element's text, or when it mixes text and elements, both in document order (so Value stays in order).
    private object? _content;

    private PosElement(string localName) => LocalName = localName;

    public string LocalName { get; }

    /// <summary>
    /// On an element a <see cref="Loader"/> built: whether it, or anything inside it, has a name the loader watches
    /// for. False means a search for those names below it finds nothing, so it need not walk the tree.
    /// </summary>
    public bool HoldsWatched { get; private set; }

    public IReadOnlyList<PosElement> Elements => _children;

    public string Value
    {
        get
        {
            if (_children.Length == 0) return _content as string ?? "";
            var text = new StringBuilder();
            AppendText(text);
            return text.ToString();
        }
    }

    /// <summary>The value of the first attribute with this local name, namespace declarations excepted.</summary>
    public string? Attribute(string localName)
    {
        if (_attributes is null) return null;
        foreach (var (name, value) in _attributes)
        {
            if (name == localName) return value;
        }
        return null;
    }

    /// <summary>The first child element with this local name.</summary>
    public PosElement? Element(string localName)
    {
        foreach (var child in _children)
        {
            if (child.LocalName == localName) return child;
        }
        return null;
    }

    /// <summary>The child elements with this local name, in document order (a foreach over them allocates nothing).</summary>
    public NamedElements ElementsNamed(string localName) => new(_children, localName);

    /// <summary>The first element below this one, in document order, with this local name.</summary>
    public PosElement? FirstDescendant(string localName)
    {
        foreach (var child in _children)
        {
            if (child.LocalName == localName) return child;
            if (child.FirstDescendant(localName) is { } found) return found;
        }
        return null;
    }

    /// <summary>
    /// The trimmed text of the first element below this one named <paramref name="localNames"/>[0], or when there is
    /// none or it is blank, of the first named [1], and so on; found in one pass.
    /// </summary>
    public string? FirstDescendantText(ReadOnlySpan<string> localNames)
    {
        var search = new[] { new TextSearch(Checked(localNames.Length)) };
        Find([localNames.ToArray()], search);
        return search[0].Text;
    }

    /// <summary>
    /// <see cref="FirstDescendantText(ReadOnlySpan{string})"/> for several lists of names, all in one pass over the
    /// tree: the answer for each list, in order.
    /// </summary>
    public string?[] FirstDescendantTexts(params string[][] searches)
    {
        var search = new TextSearch[searches.Length];
        for (var i = 0; i < searches.Length; i++) search[i] = new TextSearch(Checked(searches[i].Length));
        Find(searches, search);
        var found = new string?[searches.Length];
        for (var i = 0; i < searches.Length; i++) found[i] = search[i].Text;
        return found;
    }

    private static int Checked(int names) =>
        names <= 31 ? names : throw new ArgumentOutOfRangeException(nameof(names), "at most 31 names");

    /// <summary>The first element below this one, in document order, that matches.</summary>
    public PosElement? FirstDescendant(Func<PosElement, bool> match)
    {
        foreach (var child in _children)
        {
            if (match(child)) return child;
            if (child.FirstDescendant(match) is { } found) return found;
        }
        return null;
    }

    /// <summary>Every element below this one, in document order.</summary>
    public IEnumerable<PosElement> Descendants()
    {
        var pending = new Stack<(PosElement Parent, int Next)>();
        pending.Push((this, 0));
        while (pending.Count > 0)
        {
            var (parent, next) = pending.Pop();
            if (next >= parent._children.Length) continue;
            var child = parent._children[next];
            pending.Push((parent, next + 1));
            yield return child;
            if (child._children.Length > 0) pending.Push((child, 0));
        }
    }

    /// <summary>Builds elements from a reader, reusing its working lists from one element to the next.</summary>
    public sealed class Loader(params string[] watched)
    {
        private readonly NameShape _watchedShape = NameShape.Of([watched]);

        // The open elements, and the children read so far of all of them, innermost last: each element's children
        // become one array when it closes.
        private readonly List<(PosElement Element, int FirstChild)> _open = new(16);
        private readonly List<PosElement> _children = new(64);

        /// <summary>
        /// Reads the element the reader is on, with everything inside it, and leaves the reader on its end tag (or on
        /// the element itself when it is empty). XmlException from the reader passes through.
        /// </summary>
        public PosElement Load(XmlReader reader)
        {
            _open.Clear();
            _children.Clear();
            var root = Start(reader);
            var holds = IsWatched(root.LocalName);
            if (reader.IsEmptyElement) return Finish(root, holds);
            _open.Add((root, 0));
            while (reader.Read())
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        var element = Start(reader);
                        holds = holds || IsWatched(element.LocalName);
                        _open[^1].Element.NoteChild(element);
                        _children.Add(element);
                        if (!reader.IsEmptyElement) _open.Add((element, _children.Count));
                        break;
                    case XmlNodeType.EndElement:
                        var (closed, from) = _open[^1];
                        _open.RemoveAt(_open.Count - 1);
                        if (_children.Count > from)
                        {
                            closed._children = new PosElement[_children.Count - from];
                            _children.CopyTo(from, closed._children, 0, closed._children.Length);
                            _children.RemoveRange(from, closed._children.Length);
                        }
                        if (_open.Count == 0) return Finish(root, holds);
                        break;
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                        var (owner, firstChild) = _open[^1];
                        owner.AddText(reader.Value, _children, firstChild);
                        break;
                }
            }
            return Finish(root, holds);
        }

        private bool IsWatched(string name) => _watchedShape.MayBe(name) && Array.IndexOf(watched, name) >= 0;

        private static PosElement Finish(PosElement root, bool holdsWatched)
        {
            root.HoldsWatched = holdsWatched;
            return root;
        }
    }

    private static PosElement Start(XmlReader reader)
    {
        var element = new PosElement(reader.LocalName);
        if (!reader.HasAttributes) return element;
        var attributes = new KeyValuePair<string, string>[reader.AttributeCount];
        var kept = 0;
        while (reader.MoveToNextAttribute())
        {
            if (reader.NamespaceURI != XmlnsNamespace)
                attributes[kept++] = new(reader.LocalName, reader.Value);
        }
        reader.MoveToElement();
        if (kept > 0) element._attributes = kept == attributes.Length ? attributes : attributes[..kept];
        return element;
    }

    // While loading, an element's children are children[first..]; mixed content also keeps them in _content, in order.
    private void NoteChild(PosElement child)
    {
        if (_content is string text) _content = new List<object> { text, child };
        else (_content as List<object>)?.Add(child);
    }

    private void AddText(string text, List<PosElement> children, int first)
    {
        if (_content is List<object> mixed) mixed.Add(text);
        else if (children.Count > first) _content = new List<object>([.. children.GetRange(first, children.Count - first), text]);
        else _content = _content is string before ? before + text : text;
    }

    // Names seen so far (their first element is the one that counts) and the best non-blank text, by name order.
    private struct TextSearch(int names)
    {
        public int Seen;
        public int Best = names;
        public string? Text;

        public readonly bool Done => (Seen & ((1 << Best) - 1)) == (1 << Best) - 1;
    }

    // The lengths and first letters of the names searched for, one bit each: most elements match neither and are
    // passed by without comparing their name with every name searched for.
    private readonly record struct NameShape(ulong Lengths, ulong FirstLetters)
    {
        public static NameShape Of(string[][] names)
        {
            var (lengths, letters) = (0UL, 0UL);
            foreach (var list in names)
                foreach (var name in list) (lengths, letters) = (lengths | Bit(name.Length), letters | Bit(name.Length == 0 ? 0 : name[0]));
            return new(lengths, letters);
        }

        public bool MayBe(string name) => (Lengths & Bit(name.Length)) != 0 && (FirstLetters & Bit(name.Length == 0 ? 0 : name[0])) != 0;

        // Past 63 every value shares the last bit: a false "maybe", never a false "no".
        private static ulong Bit(int value) => 1UL << Math.Min(value, 63);
    }

    private bool Find(string[][] names, Span<TextSearch> searches) => Find(names, searches, NameShape.Of(names));

    // True when every search is done.
    private bool Find(string[][] names, Span<TextSearch> searches, NameShape shape)
    {
        foreach (var child in _children)
        {
            var done = true;
            for (var s = 0; s < names.Length && shape.MayBe(child.LocalName); s++)
            {
                ref var search = ref searches[s];
                for (var i = 0; i < search.Best; i++)
                {
                    if ((search.Seen & (1 << i)) != 0 || child.LocalName != names[s][i]) continue;
                    search.Seen |= 1 << i;
                    if (child.Value.Trim() is { Length: > 0 } text)
                    {
                        search.Best = i;
                        search.Text = text;
                    }
                    break;
                }
            }
            foreach (var search in searches) done &= search.Done;
            if (done || child._children.Length > 0 && child.Find(names, searches, shape)) return true;
        }
        return false;
    }

    private void AppendText(StringBuilder text)
    {
        if (_content is List<object> mixed)
        {
            foreach (var part in mixed)
            {
                if (part is string s) text.Append(s);
                else ((PosElement)part).AppendText(text);
            }
            return;
        }
        if (_children.Length == 0)
        {
            text.Append(_content as string);
            return;
        }
        foreach (var child in _children) child.AppendText(text);
    }

    /// <summary>Child elements of one local name; its enumerator is a struct, so a foreach allocates nothing.</summary>
    public readonly struct NamedElements(PosElement[] elements, string localName) : IEnumerable<PosElement>
    {
        public Enumerator GetEnumerator() => new(elements, localName);

        IEnumerator<PosElement> IEnumerable<PosElement>.GetEnumerator() => GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public struct Enumerator(PosElement[] elements, string localName) : IEnumerator<PosElement>
        {
            private int _index = -1;

            public readonly PosElement Current => elements[_index];

            readonly object System.Collections.IEnumerator.Current => Current;

            public bool MoveNext()
            {
                while (++_index < elements.Length)
                {
                    if (elements[_index].LocalName == localName) return true;
                }
                return false;
            }

            public void Reset() => _index = -1;

            public readonly void Dispose()
            {
            }
        }
    }
}
