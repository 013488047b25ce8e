namespace RetailFunctions.Pipeline.Tests;

/// <summary>The project's own hand-written samples, copied beside the test assembly.</summary>
internal static class Samples
{
    public static string PathOf(string name) => Path.Combine(AppContext.BaseDirectory, "Samples", name);

    public static FileStream Open(string name) => File.OpenRead(PathOf(name));

    public static byte[] Bytes(string name) => File.ReadAllBytes(PathOf(name));
}
