using System.Text;
using System.Xml;
using RetailFunctions.Pipeline.Pos;

namespace RetailFunctions.Pipeline.Security;

public static partial class PanMasker
{
    private static readonly string[] CardDataNameParts = ["AccountNumber", "PrimaryAccountNumber", "CardNumber", "PAN"];
    private static readonly HashSet<string> FreeTextElements = ["Comment", "Note", "Memo", "Narrative", "FreeText"];

    /// <summary>
    /// Copies a POSLog document node by node (bounded memory whatever its size), masking PANs in the text and
    /// attributes of elements where card data can appear: anything inside a <c>Tender</c> (ids excepted), account
    /// and card number elements, and free-text elements. Namespaces, prefixes and all other content are kept.
    /// </summary>
    /// <exception cref="PayloadException">The document is not well-formed, or declares a DTD.</exception>
    public static PosMaskReport MaskPosLogXml(Stream input, Stream output)
    {
        var readerSettings = PosLogReader.Secure;
        // A faithful copy keeps comments and whitespace; comments are masked like free text.
        readerSettings.IgnoreComments = false;
        readerSettings.IgnoreWhitespace = false;
        readerSettings.IgnoreProcessingInstructions = false;

        var path = new Stack<(string Name, bool InTender, bool Sensitive)>();
        var masked = 0;
        var transactions = 0;
        using var reader = XmlReader.Create(input, readerSettings);
        try
        {
            if (!reader.Read())
                throw new PayloadException("document", "empty XML document");
            var writerSettings = new XmlWriterSettings
            {
                Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
                CloseOutput = false,
                NewLineHandling = NewLineHandling.None,
                OmitXmlDeclaration = reader.NodeType != XmlNodeType.XmlDeclaration,
            };
            using var writer = XmlWriter.Create(output, writerSettings);
            do
            {
                switch (reader.NodeType)
                {
                    case XmlNodeType.Element:
                        var parentInTender = path.Count > 0 && path.Peek().InTender;
                        var inTender = parentInTender || reader.LocalName == "Tender";
                        var sensitive = IsCardDataElement(reader.LocalName, inTender);
                        if (reader.LocalName == "Transaction")
                            transactions++;
                        writer.WriteStartElement(reader.Prefix, reader.LocalName, reader.NamespaceURI);
                        var empty = reader.IsEmptyElement;
                        masked += CopyAttributes(reader, writer, sensitive);
                        if (empty)
                            writer.WriteEndElement();
                        else
                            path.Push((reader.Name, inTender, sensitive));
                        break;
                    case XmlNodeType.EndElement:
                        writer.WriteFullEndElement();
                        path.Pop();
                        break;
                    case XmlNodeType.Text:
                    case XmlNodeType.CDATA:
                        var text = reader.Value;
                        if (path.Count > 0 && path.Peek().Sensitive)
                        {
                            (text, var count) = MaskText(text);
                            masked += count;
                        }
                        if (reader.NodeType == XmlNodeType.CDATA)
                            writer.WriteCData(text);
                        else
                            writer.WriteString(text);
                        break;
                    case XmlNodeType.Whitespace:
                    case XmlNodeType.SignificantWhitespace:
                        writer.WriteWhitespace(reader.Value);
                        break;
                    case XmlNodeType.Comment:
                        var (comment, inComment) = MaskText(reader.Value);
                        masked += inComment;
                        writer.WriteComment(comment);
                        break;
                    case XmlNodeType.ProcessingInstruction:
                        writer.WriteProcessingInstruction(reader.Name, reader.Value);
                        break;
                    case XmlNodeType.XmlDeclaration:
                        writer.WriteStartDocument();
                        break;
                }
            }
            while (reader.Read());
        }
        catch (XmlException ex)
        {
            throw new PayloadException(
                ElementPath(path),
                $"not well-formed XML at line {ex.LineNumber}, position {ex.LinePosition}: {ex.Message}");
        }
        return new PosMaskReport(masked, transactions);
    }

    private static int CopyAttributes(XmlReader reader, XmlWriter writer, bool sensitive)
    {
        var masked = 0;
        if (!reader.MoveToFirstAttribute())
            return 0;
        do
        {
            var value = reader.Value;
            var isNamespaceDeclaration = reader.NamespaceURI == "http://www.w3.org/2000/xmlns/";
            if (sensitive && !isNamespaceDeclaration)
            {
                (value, var count) = MaskText(value);
                masked += count;
            }
            writer.WriteAttributeString(reader.Prefix, reader.LocalName, reader.NamespaceURI, value);
        }
        while (reader.MoveToNextAttribute());
        reader.MoveToElement();
        return masked;
    }

    private static bool IsCardDataElement(string localName, bool inTender)
    {
        if (inTender && !localName.EndsWith("ID", StringComparison.Ordinal) && !localName.EndsWith("Id", StringComparison.Ordinal))
            return true;
        if (FreeTextElements.Contains(localName))
            return true;
        foreach (var part in CardDataNameParts)
        {
            if (localName.Contains(part, StringComparison.Ordinal))
                return true;
        }
        return false;
    }

    private static string ElementPath(Stack<(string Name, bool InTender, bool Sensitive)> path) =>
        path.Count == 0 ? "document" : "/" + string.Join('/', path.Reverse().Select(p => p.Name));
}
