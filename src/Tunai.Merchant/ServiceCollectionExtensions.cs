using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using Tunai.Merchant.Snap;

namespace Tunai.Merchant;

/// <summary>Registers the Tunai merchant client.</summary>
public static class TunaiServiceCollectionExtensions
{

    /// <summary>
    /// Registers <see cref="TunaiMerchantClient"/> as a typed HttpClient with retries (standard resilience
    /// handler, POST and PATCH included: the Request-Id makes them safe) and signing inside the retry loop.
    /// Options are validated when the host starts. The returned builder adds handlers inside both.
    /// </summary>
    public static IHttpClientBuilder AddTunaiMerchant(this IServiceCollection services, Action<TunaiMerchantOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<TunaiMerchantOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TunaiMerchantOptions>, TunaiMerchantOptionsValidator>());

        var builder = services.AddHttpClient(nameof(TunaiMerchantClient));
        builder.AddTypedClient((http, sp) => new TunaiMerchantClient(http, sp.GetRequiredService<IOptions<TunaiMerchantOptions>>().Value));

        // Outermost: retries, attempt and total timeouts, circuit breaker. The standard handler would retry any
        // method; that is right here only because every call carries one Request-Id for all its attempts, so the
        // gateway runs a create at most once and replays its answer to a retry (409 Tunai-Replayed).
        AddRetries<TunaiMerchantOptions>(builder, o => (o.MaxRetries, o.RetryBaseDelay), ShouldRetry);
        // Inside the retry loop: each attempt is signed afresh (new Request-Timestamp, same Request-Id and body).
        builder.AddHttpMessageHandler(sp => new TunaiSigningHandler(
            sp.GetRequiredService<IOptions<TunaiMerchantOptions>>().Value, sp.GetService<TimeProvider>()));
        return builder;
    }

    /// <summary>
    /// Registers <see cref="TunaiSnapClient"/> (SNAP) as a typed HttpClient with the same retries as
    /// <see cref="AddTunaiMerchant"/> (standard resilience handler; every method, since one X-EXTERNAL-ID covers all
    /// attempts of a call and the gateway replays its answer to a repeat), the SNAP signing inside the retry loop,
    /// and one B2B token shared by every instance of the client. Also makes <see cref="SnapInboundVerifier"/>
    /// available for the endpoints the gateway calls. Options are validated when the host starts.
    /// </summary>
    public static IHttpClientBuilder AddTunaiSnap(this IServiceCollection services, Action<TunaiSnapOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<TunaiSnapOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TunaiSnapOptions>, TunaiSnapOptionsValidator>());
        services.TryAddSingleton(sp => new SnapTokenCache(sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<IOptions<TunaiSnapOptions>>().Value.TokenRefreshMargin));
        services.TryAddSingleton(sp => new SnapInboundVerifier(sp.GetRequiredService<IOptions<TunaiSnapOptions>>().Value, sp.GetService<TimeProvider>()));

        var builder = services.AddHttpClient(nameof(TunaiSnapClient));
        builder.AddTypedClient((http, sp) => new TunaiSnapClient(http, sp.GetRequiredService<IOptions<TunaiSnapOptions>>().Value,
            sp.GetRequiredService<SnapTokenCache>()));
        // Transient only: a SNAP 409 is a replay (an answer) or a conflict that a retry would not change.
        AddRetries<TunaiSnapOptions>(builder, o => (o.MaxRetries, o.RetryBaseDelay), HttpClientResiliencePredicates.IsTransient);
        builder.AddHttpMessageHandler(sp => new TunaiSnapSigningHandler(
            sp.GetRequiredService<IOptions<TunaiSnapOptions>>().Value, sp.GetService<TimeProvider>()));
        return builder;
    }

    /// <summary>The standard resilience handler with the options' retries, exponential with jitter, for the outcomes <paramref name="shouldRetry"/> names.</summary>
    private static void AddRetries<TOptions>(IHttpClientBuilder builder, Func<TOptions, (int MaxRetries, TimeSpan BaseDelay)> settings,
        Func<Outcome<HttpResponseMessage>, bool> shouldRetry) where TOptions : class =>
        builder.AddStandardResilienceHandler().Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
        {
            TOptions options;
            try
            {
                options = sp.GetRequiredService<IOptions<TOptions>>().Value;
            }
            catch (OptionsValidationException)
            {
                // Reported once, by the options' own start-up validation, not a second time from here.
                return;
            }
            var (maxRetries, baseDelay) = settings(options);
            resilience.Retry.MaxRetryAttempts = maxRetries;
            resilience.Retry.Delay = baseDelay;
            resilience.Retry.BackoffType = DelayBackoffType.Exponential;
            resilience.Retry.UseJitter = true;
            resilience.Retry.ShouldHandle = args => ValueTask.FromResult(shouldRetry(args.Outcome));
        });

    /// <summary>Transient failures, plus 409 request_in_progress (the first attempt is still being served).</summary>
    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome) =>
        HttpClientResiliencePredicates.IsTransient(outcome)
        || (outcome.Result is { StatusCode: HttpStatusCode.Conflict } response && !TunaiMerchantClient.IsReplay(response));
}
