using Overseer.Testing;

namespace Overseer.Tests.Grains;

/// <summary>A 2-silo in-process cluster whose silos, as a team's host would, register PostgreSQL handlers and a real,
/// private PostgreSQL (beside the cluster's own Redis), and a sparse test source kind.</summary>
public sealed class PostgresCluster : IAsyncLifetime
{
    /// <summary>The sample's ERC-20 handler (journaled tables <c>transfers</c>, <c>balances</c>).</summary>
    public const string Erc20Handler = "erc20";

    private OverseerCluster? _cluster;

    public PostgresServer Postgres { get; private set; } = null!;

    /// <summary>The database the handlers write to (and where their workers' cursors live).</summary>
    public string ConnectionString { get; private set; } = null!;

    public OverseerCluster Cluster => _cluster ?? throw new InvalidOperationException("the cluster has not started");

    public IClusterClient Client => Cluster.Client;

    public IManagerGrain Manager => Cluster.Manager;

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartNewAsync();
        ConnectionString = await Postgres.CreateDatabaseAsync("indexer");
        _cluster = new OverseerCluster
        {
            Overseer = o => o
                .AddPostgres(ConnectionString)
                .AddHandler<RecordingHandler>(RecordingHandler.Name)
                .AddHandler<HooklessHandler>(HooklessHandler.Name)
                .AddHandler<TransferRowsHandler>(TransferRowsHandler.Name) // ERC-20 rows for StreamSourceTests' evm rebuild
                .AddHandler<Erc20Indexer.Erc20Transfers>(Erc20Handler) // the sample, with journaled tables, for EvmReorgPostgresTests
                .AddHandler<VersionedHandler>(VersionedHandler.Name) // its version set per silo by HandlerVersionTests
                .AddSource<SparseSourceFactory>(SparseSourceFactory.Kind), // a sparse upstream for StreamSourceTests
        };
        await _cluster.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        await Postgres.DisposeAsync();
    }
}
