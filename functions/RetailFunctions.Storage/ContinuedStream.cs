namespace RetailFunctions.Storage;

/// <summary>A read-only stream of bytes already in hand followed by the rest of the content from another stream.</summary>
public sealed class ContinuedStream(byte[] head, Stream rest) : Stream
{
    private int _headRead;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer) => _headRead < head.Length ? FromHead(buffer) : rest.Read(buffer);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _headRead < head.Length ? ValueTask.FromResult(FromHead(buffer.Span)) : rest.ReadAsync(buffer, cancellationToken);

    private int FromHead(Span<byte> buffer)
    {
        var count = Math.Min(buffer.Length, head.Length - _headRead);
        head.AsSpan(_headRead, count).CopyTo(buffer);
        _headRead += count;
        return count;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) rest.Dispose();
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync() => rest.DisposeAsync();
}
