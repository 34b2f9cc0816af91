namespace Overseer.Models;

/// <summary>When a worker that exited is restarted (OTP child restart values).</summary>
[GenerateSerializer, Alias("overseer.RestartPolicy")]
public enum RestartPolicy
{
    /// <summary>Restart only after a crash; a completed source ends in <see cref="WorkerStatus.Completed"/>.</summary>
    Transient = 0,
    /// <summary>Restart after a crash and after the source completes.</summary>
    Permanent = 1,
    /// <summary>Never restart: a crash ends in <see cref="WorkerStatus.Failed"/>.</summary>
    Temporary = 2,
}
