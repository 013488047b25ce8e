using System.Text;

namespace RetailFunctions.Pipeline.Settlements;

/// <summary>
/// RFC 4180 records from a text stream, one at a time: quoted fields with commas, doubled quotes and line breaks;
/// CRLF or LF line ends; a byte-order mark ignored. <see cref="Line"/> is the line a record starts on.
/// </summary>
public sealed class CsvRecords(TextReader reader)
{
    private readonly StringBuilder _field = new();
    private int _line = 1;

    public int Line { get; private set; }

    /// <summary>The next record's fields, or null at the end. Blank lines are skipped.</summary>
    public List<string>? Next()
    {
        while (true)
        {
            Line = _line;
            var fields = new List<string>();
            _field.Clear();
            var quoted = false;
            var any = false;
            while (true)
            {
                var c = reader.Read();
                if (c == -1)
                {
                    if (quoted) throw new PayloadException($"line {Line}", "a quoted field is not closed before the end of the file");
                    if (!any && fields.Count == 0) return null;
                    fields.Add(_field.ToString());
                    return fields;
                }
                any = true;
                if (c == '\uFEFF' && Line == 1 && fields.Count == 0 && _field.Length == 0) continue;
                if (quoted)
                {
                    if (c == '"')
                    {
                        if (reader.Peek() == '"')
                        {
                            reader.Read();
                            _field.Append('"');
                        }
                        else quoted = false;
                    }
                    else
                    {
                        if (c == '\n') _line++;
                        _field.Append((char)c);
                    }
                    continue;
                }
                switch (c)
                {
                    case '"' when _field.Length == 0:
                        quoted = true;
                        break;
                    case ',':
                        fields.Add(_field.ToString());
                        _field.Clear();
                        break;
                    case '\r':
                        break;
                    case '\n':
                        _line++;
                        fields.Add(_field.ToString());
                        if (fields is [""]) goto blank;
                        return fields;
                    default:
                        _field.Append((char)c);
                        break;
                }
            }
            blank:;
        }
    }
}
