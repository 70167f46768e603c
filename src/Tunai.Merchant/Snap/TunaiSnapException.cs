using System.Net;

namespace Tunai.Merchant.Snap;

/// <summary>
/// The gateway refused a SNAP call: <see cref="StatusCode"/> with SNAP's 7-character <see cref="ResponseCode"/>
/// (HTTP status, service code, case code: <c>4042712</c> unknown code, <c>4042814</c> paid bill, <c>4092701</c>
/// duplicate trxId, <c>4017300</c> token refused...) and its <see cref="ResponseMessage"/>.
/// </summary>
public sealed class TunaiSnapException : TunaiException
{
    /// <summary>Creates the exception from the gateway's answer.</summary>
    public TunaiSnapException(HttpStatusCode statusCode, string? responseCode, string responseMessage, string? externalId)
        : base($"Tunai answered HTTP {(int)statusCode} {responseCode}: {responseMessage}")
    {
        StatusCode = statusCode;
        ResponseCode = responseCode;
        ResponseMessage = responseMessage;
        ExternalId = externalId;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>SNAP's responseCode, or null when the answer had none (a proxy's page, say).</summary>
    public string? ResponseCode { get; }

    /// <summary>SNAP's responseMessage.</summary>
    public string ResponseMessage { get; }

    /// <summary>The X-EXTERNAL-ID of the call; null for a token request.</summary>
    public string? ExternalId { get; }

    /// <summary>The two-digit case code (the last two characters of <see cref="ResponseCode"/>), or null.</summary>
    public string? CaseCode => ResponseCode is { Length: 7 } code ? code[5..] : null;
}
