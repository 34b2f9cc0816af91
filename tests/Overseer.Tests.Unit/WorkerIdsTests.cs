namespace Overseer.Tests.Unit;

public sealed class WorkerIdsTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("indexer-01")]
    [InlineData("eth:mainnet.blocks_v2")]
    public void Validate_AllowedIds_ReturnsNull(string id) => Assert.Null(WorkerIds.Validate(id));

    [Fact]
    public void Validate_128Characters_IsAllowed_129IsNot()
    {
        Assert.Null(WorkerIds.Validate(new string('x', 128)));
        Assert.Contains("at most 128", WorkerIds.Validate(new string('x', 129)));
    }

    [Theory]
    [InlineData("", "''")]
    [InlineData("has space", "' '")]
    [InlineData("slash/y", "'/'")]
    [InlineData("brace{x}", "'{'")]
    [InlineData("ünï", "'ü'")]
    public void Validate_BadIds_NameTheValueAndTheRule(string id, string offending)
    {
        var problem = WorkerIds.Validate(id);

        Assert.NotNull(problem);
        Assert.Contains($"'{id}'", problem);
        Assert.Contains("A-Z a-z 0-9 . _ : -", problem);
        if (id.Length > 0)
        {
            Assert.Contains(offending, problem);
        }
    }
}
