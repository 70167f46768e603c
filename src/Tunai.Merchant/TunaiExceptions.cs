using System.Net;

namespace Tunai.Merchant;

/// <summary>Base of every failure the SDK reports about the gateway's answer.</summary>
public class TunaiException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TunaiException() { }

    /// <summary>Creates the exception with a message.</summary>
    public TunaiException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TunaiException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>
/// The gateway refused the call: <see cref="StatusCode"/> with the gateway's stable error <see cref="Code"/>
/// (<c>invalid_field</c>, <c>invoice_number_in_use</c>, <c>payment_code_paid</c>, ...) and, for a field rule,
/// the offending <see cref="Field"/> (<c>order.amount</c>).
/// </summary>
public sealed class TunaiApiException : TunaiException
{
    /// <summary>Creates the exception from the gateway's error body.</summary>
    public TunaiApiException(HttpStatusCode statusCode, string? code, string message, string? field, string requestId)
        : base($"Tunai answered HTTP {(int)statusCode} {code}: {message}")
    {
        StatusCode = statusCode;
        Code = code;
        ErrorMessage = message;
        Field = field;
        RequestId = requestId;
    }

    /// <summary>The HTTP status of the answer.</summary>
    public HttpStatusCode StatusCode { get; }

    /// <summary>The gateway's stable error code, or null when the body had none.</summary>
    public string? Code { get; }

    /// <summary>The gateway's message, meant for a developer.</summary>
    public string ErrorMessage { get; }

    /// <summary>The request field the error is about (dotted path), when there is one.</summary>
    public string? Field { get; }

    /// <summary>The Request-Id of the call (the same on every retry of it).</summary>
    public string RequestId { get; }
}

/// <summary>
/// An answer that claims to come from the gateway but whose signature, Client-Id, Request-Id echo or
/// Response-Timestamp does not check out. Its content must not be trusted.
/// </summary>
public sealed class TunaiSignatureException : TunaiException
{
    /// <summary>Creates the exception.</summary>
    public TunaiSignatureException() { }

    /// <summary>Creates the exception with a message.</summary>
    public TunaiSignatureException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public TunaiSignatureException(string message, Exception innerException) : base(message, innerException) { }
}
