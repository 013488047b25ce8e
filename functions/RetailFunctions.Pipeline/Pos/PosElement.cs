using System.Xml;

namespace RetailFunctions.Pipeline.Pos;

/// <summary>
/// One element of a POSLog transaction as the reader maps it: local name, attributes (namespace declarations left
/// out), child elements and text. It is a handle on a <see cref="Tree"/>, the transaction's elements in document
/// order in arrays a <see cref="Loader"/> reuses from one transaction to the next, so loading allocates neither node
/// objects nor strings for text (a string is made only for a value the mapping asks for as one, and amounts are read
/// from the characters); lookups are plain loops and the mapping matches by local name only. <see cref="Value"/> is
/// what <c>XElement.Value</c> is: all text inside, in document order. A handle is valid until its loader loads the
/// next transaction: the mapping keeps the strings and numbers it reads, never an element.
/// </summary>
internal readonly struct PosElement
{
    private const string XmlnsNamespace = "http://www.w3.org/2000/xmlns/";

    private readonly Tree _tree;
    private readonly int _index;

    private PosElement(Tree tree, int index) => (_tree, _index) = (tree, index);

    private ref readonly Tree.Node Node => ref _tree.Nodes[_index];

    public string LocalName => Node.Name;

    /// <summary>
    /// On a transaction a <see cref="Loader"/> built: whether it, or anything inside it, has a name the loader watches
    /// for. False means a search for those names below it finds nothing, so it need not walk the tree.
    /// </summary>
    public bool HoldsWatched => _tree.HoldsWatched;

    /// <summary>The child elements, in document order (a foreach over them allocates nothing).</summary>
    public NamedElements Elements => new(_tree, _index, null);

    public string Value => Text.Length == 0 ? "" : new string(Text);

    /// <summary><see cref="Value"/> without making a string: valid until the next transaction is loaded.</summary>
    public ReadOnlySpan<char> Text => _tree.Chars.AsSpan(Node.TextFirst, Node.TextEnd - Node.TextFirst);

    /// <summary>The value with surrounding white space removed, or null when that leaves nothing.</summary>
    public string? TrimmedValue => Text.Trim() is { Length: > 0 } text ? new string(text) : null;

    /// <summary>The value of the first attribute with this local name, namespace declarations excepted.</summary>
    public string? Attribute(string localName)
    {
        ref readonly var node = ref Node;
        for (var a = node.AttributeFirst; a < node.AttributeEnd; a++)
        {
            if (_tree.Attributes[a].Name == localName) return _tree.Attributes[a].Value;
        }
        return null;
    }

    /// <summary>The first child element with this local name.</summary>
    public PosElement? Element(string localName)
    {
        var nodes = _tree.Nodes;
        for (int child = _index + 1, end = nodes[_index].End; child < end; child = nodes[child].End)
        {
            if (nodes[child].Name == localName) return new PosElement(_tree, child);
        }
        return null;
    }

    /// <summary>The child elements with this local name, in document order (a foreach over them allocates nothing).</summary>
    public NamedElements ElementsNamed(string localName) => new(_tree, _index, localName);

    /// <summary>The first element below this one, in document order, with this local name.</summary>
    public PosElement? FirstDescendant(string localName)
    {
        var nodes = _tree.Nodes;
        for (int below = _index + 1, end = nodes[_index].End; below < end; below++)
        {
            if (nodes[below].Name == localName) return new PosElement(_tree, below);
        }
        return null;
    }

    /// <summary>The first element below this one, in document order, that matches.</summary>
    public PosElement? FirstDescendant(Func<PosElement, bool> match)
    {
        for (int below = _index + 1, end = Node.End; below < end; below++)
        {
            var element = new PosElement(_tree, below);
            if (match(element)) return element;
        }
        return null;
    }

    /// <summary>Every element below this one, in document order.</summary>
    public IEnumerable<PosElement> Descendants()
    {
        for (int below = _index + 1, end = Node.End; below < end; below++)
            yield return new PosElement(_tree, below);
    }

    /// <summary>
    /// For each list of names, all found in one pass over the tree: the trimmed text of the first element below this
    /// one named [0], or when there is none or it is blank, of the first named [1], and so on.
    /// </summary>
    public string?[] FirstDescendantTexts(params string[][] searches)
    {
        var search = new TextSearch[searches.Length];
        for (var i = 0; i < searches.Length; i++) search[i] = new TextSearch(Checked(searches[i].Length));
        var shape = NameShape.Of(searches);
        var nodes = _tree.Nodes;
        for (int below = _index + 1, end = nodes[_index].End; below < end && !AllDone(search); below++)
        {
            var name = nodes[below].Name;
            if (!shape.MayBe(name)) continue;
            for (var s = 0; s < searches.Length; s++)
            {
                ref var one = ref search[s];
                for (var i = 0; i < one.Best; i++)
                {
                    // Only the first element of each name counts.
                    if ((one.Seen & (1 << i)) != 0 || name != searches[s][i]) continue;
                    one.Seen |= 1 << i;
                    if (new PosElement(_tree, below).TrimmedValue is { } text)
                    {
                        one.Best = i;
                        one.Text = text;
                    }
                    break;
                }
            }
        }
        var found = new string?[searches.Length];
        for (var i = 0; i < searches.Length; i++) found[i] = search[i].Text;
        return found;
    }

    private static bool AllDone(ReadOnlySpan<TextSearch> searches)
    {
        foreach (var search in searches)
        {
            if (!search.Done) return false;
        }
        return true;
    }

    private static int Checked(int names) =>
        names <= 31 ? names : throw new ArgumentOutOfRangeException(nameof(names), "at most 31 names");

    /// <summary>
    /// One transaction's elements in document order: an element's descendants are the nodes after it up to its
    /// <see cref="Node.End"/>, so its first child is the next node and each child's end is the next sibling. Text is
    /// kept in one buffer in document order, so an element's text is what was read between its start and end tags.
    /// </summary>
    internal sealed class Tree
    {
        public Node[] Nodes = new Node[128];
        public int Count;
        public (string Name, string Value)[] Attributes = new (string, string)[32];
        public int AttributeCount;
        public char[] Chars = new char[4096];
        public int CharCount;
        public bool HoldsWatched;

        public record struct Node(string Name, int End, int AttributeFirst, int AttributeEnd, int TextFirst, int TextEnd);

        public void Clear()
        {
            // Drop the last transaction's attribute values so they do not outlive it (names are the reader's own).
            Array.Clear(Attributes, 0, AttributeCount);
            Count = AttributeCount = CharCount = 0;
            HoldsWatched = false;
        }

        /// <summary>Appends the text node the reader is on, without making a string of it where the reader can.</summary>
        public void AddText(XmlReader reader)
        {
            if (!reader.CanReadValueChunk)
            {
                var value = reader.Value;
                Reserve(value.Length);
                value.CopyTo(Chars.AsSpan(CharCount));
                CharCount += value.Length;
                return;
            }
            while (true)
            {
                Reserve(256);
                var space = Chars.Length - CharCount;
                var read = reader.ReadValueChunk(Chars, CharCount, space);
                CharCount += read;
                if (read < space) return;
            }
        }

        private void Reserve(int more)
        {
            if (Chars.Length - CharCount < more) Array.Resize(ref Chars, Math.Max(Chars.Length * 2, CharCount + more));
        }
    }

    /// <summary>Builds transactions from a reader into one tree, reused from one transaction to the next.</summary>
    public sealed class Loader(params string[] watched)
    {
        private readonly NameShape _watchedShape = NameShape.Of([watched]);
        private readonly Tree _tree = new();
        private int[] _open = new int[16];

        /// <summary>
        /// Reads the element the reader is on, with everything inside it, and leaves the reader on its end tag (or on
        /// the element itself when it is empty). XmlException from the reader passes through. The element returned,
        /// and every element reached from it, is valid until the next load.
        /// </summary>
        public PosElement Load(XmlReader reader)
        {
            var tree = _tree;
            tree.Clear();
            var depth = 0;
            var holds = false;
            do
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        var index = Start(tree, reader);
                        holds = holds || IsWatched(tree.Nodes[index].Name);
                        if (reader.IsEmptyElement)
                        {
                            if (depth == 0) return Finish(tree, holds);
                            break;
                        }
                        if (depth == _open.Length) Array.Resize(ref _open, depth * 2);
                        _open[depth++] = index;
                        break;
                    case XmlNodeType.EndElement:
                        ref var closed = ref tree.Nodes[_open[--depth]];
                        closed.End = tree.Count;
                        closed.TextEnd = tree.CharCount;
                        if (depth == 0) return Finish(tree, holds);
                        break;
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                        tree.AddText(reader);
                        break;
                }
            }
            while (reader.Read());
            // The document ended inside the element (the reader throws first on a well-formed check): close what is open.
            while (depth > 0)
            {
                ref var open = ref tree.Nodes[_open[--depth]];
                open.End = tree.Count;
                open.TextEnd = tree.CharCount;
            }
            return Finish(tree, holds);
        }

        private bool IsWatched(string name) => _watchedShape.MayBe(name) && Array.IndexOf(watched, name) >= 0;

        private static PosElement Finish(Tree tree, bool holdsWatched)
        {
            tree.HoldsWatched = holdsWatched;
            return new PosElement(tree, 0);
        }

        // Adds the element the reader is on with its attributes; an empty element is closed at once, an open one when
        // its end tag is read.
        private static int Start(Tree tree, XmlReader reader)
        {
            if (tree.Count == tree.Nodes.Length) Array.Resize(ref tree.Nodes, tree.Count * 2);
            var index = tree.Count++;
            var attributeFirst = tree.AttributeCount;
            if (reader.HasAttributes)
            {
                while (reader.MoveToNextAttribute())
                {
                    if (reader.NamespaceURI == XmlnsNamespace) continue;
                    if (tree.AttributeCount == tree.Attributes.Length) Array.Resize(ref tree.Attributes, tree.AttributeCount * 2);
                    tree.Attributes[tree.AttributeCount++] = (reader.LocalName, reader.Value);
                }
                reader.MoveToElement();
            }
            tree.Nodes[index] =
                new Tree.Node(reader.LocalName, index + 1, attributeFirst, tree.AttributeCount, tree.CharCount, tree.CharCount);
            return index;
        }
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

    /// <summary>Child elements, all or of one local name; its enumerator is a struct, so a foreach allocates nothing.</summary>
    public readonly struct NamedElements(Tree tree, int parent, string? localName) : IEnumerable<PosElement>
    {
        public Enumerator GetEnumerator() => new(tree, parent, localName);

        IEnumerator<PosElement> IEnumerable<PosElement>.GetEnumerator() => GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();

        public struct Enumerator(Tree tree, int parent, string? localName) : IEnumerator<PosElement>
        {
            private int _current = -1;

            public readonly PosElement Current => new(tree, _current);

            readonly object System.Collections.IEnumerator.Current => Current;

            public bool MoveNext()
            {
                var nodes = tree.Nodes;
                var end = nodes[parent].End;
                if (_current >= end) return false;
                for (_current = _current < 0 ? parent + 1 : nodes[_current].End; _current < end; _current = nodes[_current].End)
                {
                    if (localName is null || nodes[_current].Name == localName) return true;
                }
                return false;
            }

            public void Reset() => _current = -1;

            public readonly void Dispose()
            {
            }
        }
    }
}
