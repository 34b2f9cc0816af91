namespace Overseer;

/// <summary>The worker-id rule, shared by the client (early, friendly rejection) and the grains (authoritative).</summary>
public static class WorkerIds
{
    public const int MaxLength = 128;

    /// <summary>Returns null when <paramref name="id"/> is valid, otherwise a message naming the value and the rule.</summary>
    public static string? Validate(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return "invalid worker id '': an id is 1-128 characters of A-Z a-z 0-9 . _ : -";
        }

        if (id.Length > MaxLength)
        {
            return $"invalid worker id '{id[..20]}…' ({id.Length} characters): an id is at most {MaxLength} characters of A-Z a-z 0-9 . _ : -";
        }

        foreach (var c in id)
        {
            if (!IsAllowed(c))
            {
                return $"invalid worker id '{id}': character '{c}' is not allowed; an id is 1-128 characters of A-Z a-z 0-9 . _ : -";
            }
        }

        return null;
    }

    private static bool IsAllowed(char c) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or ':' or '-';
}
