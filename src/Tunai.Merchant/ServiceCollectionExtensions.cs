using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Polly;

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
        builder.AddStandardResilienceHandler().Configure((HttpStandardResilienceOptions resilience, IServiceProvider sp) =>
        {
            TunaiMerchantOptions options;
            try
            {
                options = sp.GetRequiredService<IOptions<TunaiMerchantOptions>>().Value;
            }
            catch (OptionsValidationException)
            {
                // Reported once, by the Tunai options' own start-up validation, not a second time from here.
                return;
            }
            resilience.Retry.MaxRetryAttempts = options.MaxRetries;
            resilience.Retry.Delay = options.RetryBaseDelay;
            resilience.Retry.BackoffType = DelayBackoffType.Exponential;
            resilience.Retry.UseJitter = true;
            resilience.Retry.ShouldHandle = args => ValueTask.FromResult(ShouldRetry(args.Outcome));
        });
        // Inside the retry loop: each attempt is signed afresh (new Request-Timestamp, same Request-Id and body).
        builder.AddHttpMessageHandler(sp => new TunaiSigningHandler(
            sp.GetRequiredService<IOptions<TunaiMerchantOptions>>().Value, sp.GetService<TimeProvider>()));
        return builder;
    }

    /// <summary>Transient failures, plus 409 request_in_progress (the first attempt is still being served).</summary>
    internal static bool ShouldRetry(Outcome<HttpResponseMessage> outcome) =>
        HttpClientResiliencePredicates.IsTransient(outcome)
        || (outcome.Result is { StatusCode: HttpStatusCode.Conflict } response && !TunaiMerchantClient.IsReplay(response));
}
