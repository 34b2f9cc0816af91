using Microsoft.Extensions.Configuration;
using Orleans.Configuration;
using Overseer.Hosting;

namespace Overseer.Tests.Unit;

public sealed class SiloConfigurationTests
{
    private static IConfiguration Config(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();

    [Fact]
    public void Read_Defaults_BindToLoopback()
    {
        var settings = SiloSettings.Read(Config(("ConnectionStrings:redis", "127.0.0.1:6379")));

        Assert.Equal("127.0.0.1", settings.AdvertisedAddress.ToString());
        Assert.Equal(11111, settings.SiloPort);
        Assert.Equal(30000, settings.GatewayPort);
        Assert.Equal("http://127.0.0.1:8080", settings.Urls);
    }

    [Theory]
    [InlineData("Orleans:Endpoints:SiloPort", "eleven", "Orleans:Endpoints:SiloPort is 'eleven': expected a TCP port number 1-65535")]
    [InlineData("Orleans:Endpoints:GatewayPort", "70000", "Orleans:Endpoints:GatewayPort is '70000'")]
    [InlineData("Orleans:Endpoints:AdvertisedIPAddress", "0.0.0.0", "Orleans:Endpoints:AdvertisedIPAddress is '0.0.0.0'")]
    [InlineData("Orleans:ClusterId", "bad id!", "Orleans:ClusterId is 'bad id!'")]
    [InlineData("Urls", "ftp://x", "Urls contains 'ftp://x'")]
    [InlineData("ConnectionStrings:redis", "", "ConnectionStrings:redis is empty")]
    public void Read_BadValue_FailsNamingTheKey(string key, string value, string expected)
    {
        var config = key == "ConnectionStrings:redis" ? Config((key, value)) : Config(("ConnectionStrings:redis", "127.0.0.1:6379"), (key, value));

        var ex = Assert.Throws<SiloConfigurationException>(() => SiloSettings.Read(config));

        Assert.Contains(expected, ex.Message);
    }

    [Theory]
    [InlineData("127.0.0.1:6379", "127.0.0.1:6379")]
    [InlineData("redis:6379,password=s3cret,ssl=true", "redis:6379 (tls) (password set)")]
    [InlineData("r1:7000,r2:7001,r3:7002,password=s3cret", "r1:7000,r2:7001,r3:7002 (password set)")]
    [InlineData("s1:26379,s2:26379,s3:26379,serviceName=mymaster", "s1:26379,s2:26379,s3:26379 (sentinel, serviceName=mymaster)")]
    public void Read_RedisInEachForm_ParsesEveryEndpoint(string connectionString, string described)
    {
        var settings = SiloSettings.Read(Config(("ConnectionStrings:redis", connectionString)));

        Assert.Equal(described, RedisEndpoint.Describe(settings.Redis));
        Assert.False(settings.Redis.AbortOnConnectFail);
    }

    [Theory]
    [InlineData("r1:7000,r2:abc,password=s3cret", "ConnectionStrings:redis is 'r1:7000,r2:abc,password=***': 'r2:abc' is not an endpoint (host:port); expected one endpoint (redis:6379), a cluster's endpoints")]
    [InlineData("r1:7000,r2:7001,r1:7000", "ConnectionStrings:redis is 'r1:7000,r2:7001,r1:7000': endpoint r1:7000 is listed twice; expected")]
    [InlineData("r1:70000", "ConnectionStrings:redis is 'r1:70000': port ('70000') must be less than or equal to '65535'; expected")]
    [InlineData("r1:7000,password=s3cret,bogus=1", "ConnectionStrings:redis is 'r1:7000,password=***,bogus=1': Keyword 'bogus' is not supported; expected")]
    [InlineData("serviceName=mymaster,password=s3cret", "ConnectionStrings:redis is 'serviceName=mymaster,password=***': serviceName=mymaster names no Sentinel endpoint; expected")]
    [InlineData("s1:26379,serviceName=", "ConnectionStrings:redis is 's1:26379,serviceName=': serviceName is empty (Sentinel needs the monitored primary's name); expected")]
    [InlineData("password=s3cret", "ConnectionStrings:redis is 'password=***': it names no endpoint; expected")]
    public void Read_MalformedRedis_FailsNamingTheValueWithoutThePassword(string connectionString, string expected)
    {
        var ex = Assert.Throws<SiloConfigurationException>(() => SiloSettings.Read(Config(("ConnectionStrings:redis", connectionString))));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cret", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Sentinel (s1:26379,s2:26379,s3:26379,serviceName=mymaster)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{overseer}")]
    [InlineData("team-}")]
    public void Read_ServiceIdWithABrace_FailsSayingItWouldBeAHashTag(string serviceId)
    {
        var config = Config(("ConnectionStrings:redis", "127.0.0.1:6379"), ("Orleans:ServiceId", serviceId));

        var ex = Assert.Throws<SiloConfigurationException>(() => SiloSettings.Read(config));

        Assert.Equal(
            $"Orleans:ServiceId is '{serviceId}': it must not contain '{{' or '}}', because a brace in the key prefix makes it a "
            + "Redis Cluster hash tag that puts every key of the service in one slot, on one primary; expected e.g. overseer",
            ex.Message);
    }

    [Fact]
    public void RedisEndpoint_Describe_NeverShowsThePassword()
    {
        var options = RedisEndpoint.Parse("10.0.0.5:6380,password=s3cret-value,ssl=true");

        var text = RedisEndpoint.Describe(options);

        Assert.DoesNotContain("s3cret-value", text);
        Assert.Contains("6380", text);
        Assert.Contains("password set", text);
    }

    [Theory]
    [InlineData("500ms", 500)]
    [InlineData("2s", 2000)]
    [InlineData("1.5m", 90_000)]
    [InlineData("00:00:03", 3000)]
    public void DurationParser_AcceptsOperatorFormats(string text, double ms)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(ms, value.TotalMilliseconds);
    }

    [Fact]
    public void DurationConverter_Registered_TheBinderReadsOperatorFormatsAndPlainTimeSpans()
    {
        DurationConverter.Register();
        var config = Config(("S:Tick", "2s"), ("S:Maybe", "1.5m"), ("S:Plain", "00:00:03"));

        var options = config.GetSection("S").Get<Durations>(o => o.ErrorOnUnknownConfiguration = true)!;

        Assert.Equal(TimeSpan.FromSeconds(2), options.Tick);
        Assert.Equal(TimeSpan.FromSeconds(90), options.Maybe);
        Assert.Equal(TimeSpan.FromSeconds(3), options.Plain);
    }

    [Fact]
    public void Bind_ClusterMembership_BindsThroughTheConfigurationBinder()
    {
        var config = Config(
            ("Orleans:ClusterMembership:ProbeTimeout", "1s"),
            ("Orleans:ClusterMembership:NumMissedProbesLimit", "2"),
            ("Orleans:ClusterMembership:TableRefreshTimeout", "500ms"));

        var options = SiloConfiguration.Bind<ClusterMembershipOptions>(config, "Orleans:ClusterMembership");

        Assert.Equal(TimeSpan.FromSeconds(1), options.ProbeTimeout);
        Assert.Equal(2, options.NumMissedProbesLimit);
        Assert.Equal(TimeSpan.FromMilliseconds(500), options.TableRefreshTimeout);
    }

    [Theory]
    [InlineData("Orleans:ClusterMembership:NumVotesForDeathDeclaraton", "1", "Orleans:ClusterMembership:NumVotesForDeathDeclaraton is not a known setting; valid keys under Orleans:ClusterMembership: ")]
    [InlineData("Orleans:ClusterMembership:TableRefreshTimeout", "soon", "Orleans:ClusterMembership:TableRefreshTimeout is 'soon': expected a duration such as 500ms, 2s, 1m or 00:00:02")]
    [InlineData("Orleans:ClusterMembership:NumMissedProbesLimit", "two", "Orleans:ClusterMembership:NumMissedProbesLimit is 'two': expected an integer")]
    [InlineData("Orleans:ClusterMembership:ExtendProbeTimeoutDuringDegradation", "sometimes", "Orleans:ClusterMembership:ExtendProbeTimeoutDuringDegradation is 'sometimes': expected true or false")]
    public void Bind_UnknownKeyOrBadValue_FailsNamingTheKeyTheValueAndWhatIsValid(string key, string value, string expected)
    {
        var ex = Assert.Throws<SiloConfigurationException>(() => SiloConfiguration.Bind<ClusterMembershipOptions>(Config((key, value)), "Orleans:ClusterMembership"));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_Overseer_IgnoresTheSubSectionsOtherOptionsOwn_ButRefusesATypoedOne()
    {
        var config = Config(
            ("Overseer:Partitions", "4"),
            ("Overseer:Supervision:MaxRestarts", "5"),
            ("Overseer:Pool:MaxRunningWorkers", "10"),
            ("Overseer:Dashboard:Username", "u"),
            ("Overseer:Telemetry:Enabled", "false"),
            ("Overseer:Startup:RedisTimeout", "2m"),
            ("Overseer:Client:CallTimeout", "30"));

        var options = SiloConfiguration.Bind<OverseerOptions>(config, OverseerOptions.SectionName);
        var typo = Assert.Throws<SiloConfigurationException>(() =>
            SiloConfiguration.Bind<OverseerOptions>(Config(("Overseer:Supervison:MaxRestarts", "5")), OverseerOptions.SectionName));

        Assert.Equal(4, options.Partitions);
        Assert.Equal("Overseer:Supervison is not a known setting; valid keys under Overseer: Partitions", typo.Message);
    }

    [Theory]
    [InlineData(null, 30)]
    [InlineData("1s", 1)]
    [InlineData("5m", 300)]
    [InlineData("1h", 3600)]
    public void Bind_StartupRedisTimeout_DefaultsTo30s_AndTakesADuration(string? value, int seconds)
    {
        var config = value is null ? Config() : Config(("Overseer:Startup:RedisTimeout", value));

        var options = SiloConfiguration.Bind<StartupOptions>(config, StartupOptions.SectionName, new StartupOptionsValidator().Validate);

        Assert.Equal(TimeSpan.FromSeconds(seconds), options.RedisTimeout);
    }

    [Theory]
    [InlineData("0s", "Overseer:Startup:RedisTimeout is 00:00:00: expected 1s..1h")]
    [InlineData("500ms", "Overseer:Startup:RedisTimeout is 00:00:00.5000000: expected 1s..1h")]
    [InlineData("2h", "Overseer:Startup:RedisTimeout is 02:00:00: expected 1s..1h")]
    [InlineData("later", "Overseer:Startup:RedisTimeout is 'later': expected a duration")]
    public void Bind_StartupRedisTimeout_OutOfRange_FailsNamingTheKey(string value, string expected)
    {
        var ex = Assert.Throws<SiloConfigurationException>(() => SiloConfiguration.Bind<StartupOptions>(
            Config(("Overseer:Startup:RedisTimeout", value)), StartupOptions.SectionName, new StartupOptionsValidator().Validate));

        Assert.StartsWith(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_ValidatorFailure_IsReportedAfterBinding()
    {
        var config = Config(("Overseer:Supervision:BackoffMin", "1s"), ("Overseer:Supervision:BackoffMax", "1ms"));

        var ex = Assert.Throws<SiloConfigurationException>(() =>
            SiloConfiguration.Bind<SupervisionOptions>(config, SupervisionOptions.SectionName, new SupervisionOptionsValidator().Validate));

        Assert.Contains("Overseer:Supervision:BackoffMax (00:00:00.0010000) is below Overseer:Supervision:BackoffMin", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_PartitionIntervalsAndZeroBackoff_BindAndValidate()
    {
        var config = Config(
            ("Overseer:Supervision:PartitionTick", "50ms"),
            ("Overseer:Supervision:RegistryFlushInterval", "2s"),
            ("Overseer:Supervision:StallScanInterval", "3s"),
            ("Overseer:Supervision:QueuedStallFactor", "4"),
            ("Overseer:Supervision:UnknownWorkerGrace", "1m"),
            ("Overseer:Supervision:PoolCheckInterval", "250ms"),
            ("Overseer:Supervision:GaugeInterval", "00:00:05"),
            ("Overseer:Supervision:BackoffMin", "0ms"),
            ("Overseer:Supervision:BackoffMax", "0s"));

        var options = SiloConfiguration.Bind<SupervisionOptions>(config, SupervisionOptions.SectionName, new SupervisionOptionsValidator().Validate);

        Assert.Equal(TimeSpan.FromMilliseconds(50), options.PartitionTick);
        Assert.Equal(TimeSpan.FromSeconds(2), options.RegistryFlushInterval);
        Assert.Equal(TimeSpan.FromSeconds(3), options.StallScanInterval);
        Assert.Equal(4, options.QueuedStallFactor);
        Assert.Equal(TimeSpan.FromMinutes(1), options.UnknownWorkerGrace);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.PoolCheckInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), options.GaugeInterval);
        Assert.Equal(TimeSpan.Zero, options.BackoffMin);
    }

    private sealed class Durations
    {
        public TimeSpan Tick { get; set; }

        public TimeSpan? Maybe { get; set; }

        public TimeSpan Plain { get; set; }
    }
}
