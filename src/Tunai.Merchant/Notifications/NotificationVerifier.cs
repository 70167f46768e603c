namespace Tunai.Merchant;

/// <summary>
/// Checks an HTTP notification from any web framework: the headers, the raw body bytes as received and the
/// request's path (the Request-Target the gateway signed, e.g. <c>/payments/notifications</c>).
/// </summary>
public sealed class NotificationVerifier
{
    private readonly InboundCheck _check;

    /// <summary>Creates a verifier for a merchant's credentials; <paramref name="tolerance"/> defaults to 5 minutes.</summary>
    public NotificationVerifier(string clientId, string secretKey, TimeSpan? tolerance = null, TimeProvider? time = null) =>
        _check = InboundCheck.For(clientId, secretKey, null, tolerance, time);

    /// <summary>
    /// Creates a verifier from the SDK's options: during a key rotation a notification signed with
    /// <see cref="TunaiMerchantOptions.PreviousSecretKey"/> verifies too.
    /// </summary>
    public NotificationVerifier(TunaiMerchantOptions options, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _check = InboundCheck.For(options.ClientId, options.SecretKey, options.PreviousSecretKey, options.TimestampTolerance, time);
    }

    /// <summary>
    /// Verifies and parses a notification; <paramref name="header"/> looks a header up by name (case-insensitive);
    /// <paramref name="requestPath"/> is the path as received, raw (percent-encoded) if the framework gives it, else decoded.
    /// </summary>
    public Verification<PaymentNotification> Verify(Func<string, string?> header, byte[] body, string requestPath) =>
        _check.Verify(header, body, requestPath, TunaiJson.Default.PaymentNotification, "notification",
            notification => notification.Order?.InvoiceNumber is not null && notification.OnlineToOfflineInfo?.PaymentCode is not null
                && notification.Transaction?.Status is not null,
            "order.invoice_number, online_to_offline_info.payment_code or transaction.status",
            (notification, requestId) => notification with { RequestId = requestId });

    /// <summary>Verifies and parses a notification given its headers as name/value pairs.</summary>
    public Verification<PaymentNotification> Verify(IEnumerable<KeyValuePair<string, string>> headers, byte[] body, string requestPath) =>
        Verify(InboundCheck.Lookup(headers), body, requestPath);
}
