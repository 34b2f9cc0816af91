using System.Numerics;

namespace Overseer.Tests.Grains;

/// <summary>One row of <see cref="TransferRowsHandler"/>'s table: the seq the worker committed, the transaction, the
/// sender, the receiver and the amount.</summary>
public sealed record TransferRow(long Seq, string Transaction, string From, string To, BigInteger Value);
