using Overseer.Workers;

namespace Overseer.Tests.Unit;

/// <summary>A worker activation's state holder keeps the ETag the grain storage gave it exactly as given, however it
/// holds it (a GUID as 16 bytes, anything else as the string).</summary>
public sealed class StoredWorkerStateTests
{
    [Theory]
    [InlineData("51f1922120e54398977660f324b33ad3")]
    [InlineData("51F1922120E54398977660F324B33AD3")]
    [InlineData("00000000000000000000000000000000")]
    [InlineData("51f19221-20e5-4398-9776-60f324b33ad3")]
    [InlineData("7")]
    [InlineData("")]
    [InlineData(null)]
    public void Etag_IsTheOneTheStorageSet(string? etag)
    {
        var state = new StoredWorkerState(storage: null!, grain: null!);
        IGrainState<WorkerState> asStorageSeesIt = state;

        asStorageSeesIt.ETag = etag;

        Assert.Equal(etag, state.Etag);
        Assert.Equal(etag, asStorageSeesIt.ETag);
    }

    [Fact]
    public void Etag_ReplacedByAnother_IsTheNewOne()
    {
        IGrainState<WorkerState> state = new StoredWorkerState(storage: null!, grain: null!);

        state.ETag = "51f1922120e54398977660f324b33ad3";
        state.ETag = "not a guid";
        Assert.Equal("not a guid", state.ETag);
        state.ETag = "a2f1922120e54398977660f324b33ad3";
        Assert.Equal("a2f1922120e54398977660f324b33ad3", state.ETag);
        state.ETag = null;
        Assert.Null(state.ETag);
    }
}
