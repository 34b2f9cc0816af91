namespace Overseer.Testing;

/// <summary>Locations in the repository: its root and the built silo, CLI and reference source assemblies.</summary>
public static class RepoPaths
{
    /// <summary>The file that marks the repository root.</summary>
    public const string SolutionFileName = "Orleans.sln";

    // Directory.Build.props targets one framework for every project.
    private const string TargetFramework = "net10.0";

    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The repository root: the nearest directory above the test assembly (or the current directory) holding <c>Orleans.sln</c>.</summary>
    public static string Root => RootPath.Value;

    /// <summary>
    /// The build configuration the tests were built with (<c>Release</c> or <c>Debug</c>, read from the test assembly's path),
    /// so the silo under test is the one built alongside them; <c>Release</c> when the path says neither.
    /// </summary>
    public static string Configuration { get; } = DetectConfiguration(AppContext.BaseDirectory);

    /// <summary>The built silo, <c>Silo/bin/{Configuration}/net10.0/Overseer.Silo.dll</c>; throws if it has not been built.</summary>
    public static string SiloDll => RequireBuilt(Path.Combine("Silo", "bin", Configuration, TargetFramework, "Overseer.Silo.dll"));

    /// <summary>The drill's silo host, <c>drill/Overseer.Drill.Host/bin/{Configuration}/net10.0/Overseer.Drill.Host.dll</c>
    /// (the default host plus the drill's PostgreSQL handler); throws if it has not been built.</summary>
    public static string DrillHostDll =>
        RequireBuilt(Path.Combine("drill", "Overseer.Drill.Host", "bin", Configuration, TargetFramework, "Overseer.Drill.Host.dll"));

    /// <summary>The built CLI, <c>Client/Overseer.Cli/bin/{Configuration}/net10.0/Overseer.Cli.dll</c>; throws if it has not been built.</summary>
    public static string CliDll =>
        RequireBuilt(Path.Combine("Client", "Overseer.Cli", "bin", Configuration, TargetFramework, "Overseer.Cli.dll"));

    /// <summary>
    /// The built reference event source, <c>ReferenceSource/bin/{Configuration}/net10.0/Overseer.ReferenceSource.dll</c>;
    /// throws if it has not been built.
    /// </summary>
    public static string ReferenceSourceDll =>
        RequireBuilt(Path.Combine("ReferenceSource", "bin", Configuration, TargetFramework, "Overseer.ReferenceSource.dll"));

    private static string FindRoot()
    {
        string[] starts = [AppContext.BaseDirectory, Directory.GetCurrentDirectory()];
        foreach (var start in starts)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, SolutionFileName)))
                {
                    return dir.FullName;
                }
            }
        }

        throw new InvalidOperationException(
            $"Could not find {SolutionFileName} in '{starts[0]}', '{starts[1]}' or any of their parents; run the tests from inside the repository.");
    }

    private static string DetectConfiguration(string baseDirectory)
    {
        var path = baseDirectory.Replace('\\', '/');
        return path.Contains("/bin/Debug/", StringComparison.Ordinal) ? "Debug" : "Release";
    }

    private static string RequireBuilt(string relativePath)
    {
        var path = Path.Combine(Root, relativePath);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"'{path}' does not exist: build the solution first (dotnet build {SolutionFileName} -c {Configuration}, or ./overseer build).",
                path);
        }

        return path;
    }
}
