namespace Overseer.Pool;

/// <summary>The innermost handler of the source HttpClient: each attempt (retries included) holds a silo and a host
/// permit of <see cref="FetchThrottle"/> until its response body is read, so the source never sees more concurrent
/// requests from this silo than the caps allow. Backoff between retries holds no permit.</summary>
/// <remarks>WebSocket streams do not go through this client: a socket idling for pushed events holds no permit.</remarks>
internal sealed class FetchPermitHandler(FetchThrottle throttle) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var host = request.RequestUri is { } uri ? $"{uri.Host}:{uri.Port}" : null;
        using var permit = await throttle.EnterAsync(host, cancellationToken).ConfigureAwait(false);
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);

        // Read the body inside the permit: the request is in flight at the source until its body is sent.
        await response.Content.LoadIntoBufferAsync(cancellationToken).ConfigureAwait(false);
        return response;
    }
}
