using System.Reflection;
using System.Reflection.Emit;
using System.Text.RegularExpressions;
using Overseer.Outputs;
using Overseer.Outputs.Redis;
using Overseer.Pool;
using Overseer.Redis;
using StackExchange.Redis;

namespace Overseer.Tests.Unit;

/// <summary>The hash-slot rule, written once: every multi-key Redis operation of Overseer keeps its keys in one hash slot,
/// as Redis Cluster requires (a script or transaction over keys of two slots fails with <c>CROSSSLOT</c>).</summary>
/// <remarks>The inventory below is the list of multi-key operations. Two checks keep it from drifting from the code:
/// every Lua script constant in the product must be listed (with the key set its call site passes, a
/// <see cref="RedisKeys"/> member), and every call in the product assemblies to a StackExchange.Redis method that takes
/// several keys (<c>RedisKey[]</c>: scripts, multi-key commands) or opens a transaction or batch must be one of the
/// listed call sites.</remarks>
public sealed partial class HashSlotRuleTests
{
    private static readonly Assembly[] ProductAssemblies =
        [typeof(RedisKeys).Assembly, Assembly.Load("Overseer.Hosting"), Assembly.Load("Overseer.Client")];

    /// <summary>Every Lua script of the product ("Type.Constant") → the keys its call site passes, in order.</summary>
    private static readonly Dictionary<string, Func<RedisKeys, string, RedisKey[]>> Scripts = new()
    {
        // The prefix every pool script starts with.
        [$"{nameof(SlotPool)}.Now"] = Pool,
        [$"{nameof(SlotPool)}.AcquireScript"] = Pool,
        [$"{nameof(SlotPool)}.RenewScript"] = Pool,
        [$"{nameof(SlotPool)}.ReleaseScript"] = Pool,
        [$"{nameof(SlotPool)}.StatusScript"] = Pool,
        // A fragment (the function nextgen) that the cursor scripts begin with; it touches the key it is given only.
        [$"{nameof(Generations)}.Lua"] = (k, id) => [k.Cursor(id)],
        // A fragment (the function record_rollback) that the scripts removing entries begin with; called with the cursor
        // and the rollback log (KEYS[1] and KEYS[4] of RedisKeys.Worker).
        [$"{nameof(RollbackLog)}.Lua"] = (k, id) => [k.Cursor(id), k.Rollbacks(id)],
        [$"{nameof(RedisCursorStore)}.ClaimScript"] = (k, id) => [k.Cursor(id)],
        [$"{nameof(RedisCursorStore)}.StopScript"] = (k, id) => [k.Cursor(id)],
        [$"{nameof(RedisCursorStore)}.GetScript"] = (k, id) => [k.Cursor(id)],
        [$"{nameof(RedisCursorStore)}.CreateScript"] = (k, id) => k.Worker(id),
        [$"{nameof(RedisStreamOutput)}.CommitScript"] = (k, id) => k.Worker(id),
        [$"{nameof(RedisStreamOutput)}.RewindScript"] = (k, id) => k.Worker(id),
        [$"{nameof(RedisStreamOutput)}.RollbackScript"] = (k, id) => k.Worker(id),
        [$"{nameof(RedisStreamOutput)}.DeleteScript"] = (k, id) => k.Worker(id),
    };

    /// <summary>The product's calls that take several keys or open a transaction: "Type.Method" (outermost type).</summary>
    private static readonly HashSet<string> MultiKeyCallSites =
    [
        $"{nameof(SlotPool)}.{nameof(IDatabaseAsync.ScriptEvaluateAsync)}",
        $"{nameof(RedisCursorStore)}.{nameof(IDatabaseAsync.ScriptEvaluateAsync)}",
        $"{nameof(RedisStreamOutput)}.{nameof(IDatabaseAsync.ScriptEvaluateAsync)}",
    ];

    /// <summary>Service ids and worker ids of the shapes the product allows, and odd ones (worker ids cannot hold braces).</summary>
    public static TheoryData<string, string> Ids => new()
    {
        { "svc", "w" },
        { "overseer-prod", "worker-1" },
        { "svc-0f8fad5bd9cb469fa16570867728950e", "evm:mainnet/erc20.transfers" },
        { "a:b:c", "ünïcødé-wörker-Ω" },
        { "{svc}", new string('x', 300) },
    };

    [Fact]
    public void HashSlot_OfTheSpecificationsExamples_IsTheSpecifiedSlot()
    {
        Assert.Equal(12739, RedisHashSlot.Of("123456789"));
        Assert.Equal(RedisHashSlot.Of("user1000"), RedisHashSlot.Of("{user1000}.following"));
        Assert.Equal(RedisHashSlot.Of("bar"), RedisHashSlot.Of("foo{bar}{zap}"));
        Assert.Equal(RedisHashSlot.Of("{bar"), RedisHashSlot.Of("foo{{bar}}zap"));
        Assert.NotEqual(RedisHashSlot.Of("bar"), RedisHashSlot.Of("foo{}{bar}")); // an empty tag: the whole key is hashed
    }

    [Fact]
    public void EveryLuaScriptOfTheProduct_IsInTheInventory_WithNoMoreKeysThanItsKeySetHolds()
    {
        var found = ProductAssemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetFields(BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                .Where(f => f.IsLiteral && f.GetRawConstantValue() is string lua && lua.Contains("redis.call(", StringComparison.Ordinal))
                .Select(f => (Name: $"{Outermost(t).Name}.{f.Name}", Lua: (string)f.GetRawConstantValue()!)))
            .ToList();

        var unlisted = found.Select(s => s.Name).Except(Scripts.Keys).ToList();
        var gone = Scripts.Keys.Except(found.Select(s => s.Name)).ToList();
        Assert.True(unlisted.Count == 0, $"Lua scripts not in the hash-slot inventory: {string.Join(", ", unlisted)}. Add each to "
            + $"{nameof(HashSlotRuleTests)}.{nameof(Scripts)} with the RedisKeys member its call site passes.");
        Assert.True(gone.Count == 0, $"inventory entries with no script in the product: {string.Join(", ", gone)}");

        var keys = new RedisKeys("svc");
        foreach (var (name, lua) in found)
        {
            var indexes = KeysIndex().Matches(lua).Select(m => m.Groups[1].Value).ToList();
            Assert.True(indexes.All(i => i.Length > 0), $"{name} indexes KEYS with an expression; the inventory can only check literal KEYS[n]");
            var highest = indexes.Select(int.Parse).DefaultIfEmpty(0).Max();
            var passed = Scripts[name](keys, "w").Length;
            Assert.True(highest <= passed, $"{name} reads KEYS[{highest}] but its inventory key set has {passed} keys");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void EveryScriptsKeySet_MapsToOneHashSlot(string serviceId, string workerId)
    {
        var keys = new RedisKeys(serviceId);
        foreach (var (name, keySet) in Scripts)
        {
            var slots = keySet(keys, workerId).Select(k => (Key: (string)k!, Slot: RedisHashSlot.Of(k!))).ToList();
            Assert.True(slots.DistinctBy(s => s.Slot).Count() == 1,
                $"{name} crosses hash slots: {string.Join(", ", slots.Select(s => $"{s.Key} → {s.Slot}"))}");
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void CommitNotificationChannel_IsInTheSlotOfTheCommitScriptsKeys(string serviceId, string workerId)
    {
        // The commit script publishes on this sharded channel (SPUBLISH): on Redis Cluster it must be in the script's slot.
        var keys = new RedisKeys(serviceId);
        var channel = keys.Commits(workerId);
        var commitKeys = Scripts[$"{nameof(RedisStreamOutput)}.CommitScript"](keys, workerId);

        Assert.True(channel.IsSharded, $"the commit channel {channel} is not a sharded channel");
        Assert.Equal(RedisHashSlot.Of((string)commitKeys[0]!), RedisHashSlot.Of(channel.ToString()));
        Assert.Contains(commitKeys, k => k.ToString() == channel.ToString());
    }

    [Fact]
    public void EveryMultiKeyCallOfTheProduct_IsAnInventoriedScriptCall()
    {
        var found = ProductAssemblies
            .SelectMany(a => a.GetTypes())
            .SelectMany(t => t.GetMethods(AllDeclared).Cast<MethodBase>().Concat(t.GetConstructors(AllDeclared))
                .SelectMany(m => CalledMethods(t, m)
                    .Where(IsMultiKey)
                    .Select(called => $"{Outermost(t).Name}.{called.Name}")))
            .ToHashSet();

        Assert.True(found.SetEquals(MultiKeyCallSites),
            $"multi-key Redis calls in the product: {string.Join(", ", found.Order())}; inventoried: {string.Join(", ", MultiKeyCallSites.Order())}. "
            + $"A new one must keep its keys in one slot: list it in {nameof(HashSlotRuleTests)} with its key set.");
    }

    private const BindingFlags AllDeclared =
        BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    private static RedisKey[] Pool(RedisKeys keys, string workerId) => [.. keys.Pool.Select(k => (RedisKey)k)];

    private static Type Outermost(Type type)
    {
        while (type.DeclaringType is { } outer)
        {
            type = outer;
        }

        return type;
    }

    private static bool IsMultiKey(MethodBase called) =>
        called.DeclaringType?.Namespace == "StackExchange.Redis"
        && (called.Name is nameof(IDatabase.CreateTransaction) or nameof(IDatabase.CreateBatch)
            || called.GetParameters().Any(p => p.ParameterType == typeof(RedisKey[])));

    /// <summary>The methods <paramref name="method"/>'s IL calls (call, callvirt, newobj, ldftn), decoded opcode by opcode.</summary>
    private static IEnumerable<MethodBase> CalledMethods(Type type, MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        for (var i = 0; i < il.Length;)
        {
            var code = il[i] == 0xFE ? OpCodesByValue[(short)(0xFE00 | il[i + 1])] : OpCodesByValue[il[i]];
            i += code.Size;
            if (code.OperandType == OperandType.InlineMethod)
            {
                var token = BitConverter.ToInt32(il, i);
                MethodBase? called = null;
                try
                {
                    called = method.Module.ResolveMethod(
                        token, type.IsGenericType ? type.GetGenericArguments() : null, method.IsGenericMethod ? method.GetGenericArguments() : null);
                }
                catch (ArgumentException)
                {
                    // A member of an open generic the context cannot close; StackExchange.Redis's IDatabase is not generic.
                }

                if (called is not null)
                {
                    yield return called;
                }
            }

            i += OperandSize(code.OperandType, il, i);
        }
    }

    private static int OperandSize(OperandType operand, byte[] il, int at) => operand switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    [GeneratedRegex(@"KEYS\[(\d*)")]
    private static partial Regex KeysIndex();
}
