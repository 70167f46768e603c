using System.Text;

namespace Tunai.Signing;

/// <summary>
/// The one rule for the Request-Target line: the path as it travels on the wire, percent-encoded, without
/// scheme, host or query string. Signers always sign that form. Verifiers also accept a signature over the
/// decoded path, because clients differ: the provider's PHP plugin rebuilds the raw path from REQUEST_URI,
/// ASP.NET Core's <c>Request.Path</c> is decoded, and older Tunai SDKs signed the decoded form.
/// </summary>
public static class RequestTarget
{
    /// <summary>The path of a URL as an HTTP client sends it (<see cref="Uri.AbsolutePath"/> is already encoded).</summary>
    public static string Of(Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        return uri.IsAbsoluteUri ? uri.AbsolutePath : Encode(StripQuery(uri.OriginalString));
    }

    /// <summary>
    /// The request-target as received (an HTTP server's raw target, e.g. <c>/pay%20ments?x=1</c>) reduced to its
    /// path: the query string is dropped, an absolute-form target (<c>http://host/path</c>) gives its path.
    /// </summary>
    public static string FromRawTarget(string rawTarget)
    {
        ArgumentNullException.ThrowIfNull(rawTarget);
        if (!rawTarget.StartsWith('/') && Uri.TryCreate(rawTarget, UriKind.Absolute, out var absolute))
        {
            return absolute.AbsolutePath;
        }
        var path = StripQuery(rawTarget);
        return path.Length == 0 ? "/" : path;
    }

    /// <summary>
    /// Percent-encodes a path written by hand (<c>/payments/notifikasi pembayaran</c>): every byte outside RFC 3986's
    /// path characters is encoded as UTF-8, escapes already present are kept. Used where a person types a path.
    /// </summary>
    public static string Encode(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var sb = new StringBuilder(path.Length + 16);
        Span<byte> utf8 = stackalloc byte[4];
        for (var i = 0; i < path.Length; i++)
        {
            var c = path[i];
            if (c == '%' && i + 2 < path.Length && Uri.IsHexDigit(path[i + 1]) && Uri.IsHexDigit(path[i + 2]))
            {
                sb.Append(path, i, 3);
                i += 2;
            }
            else if (IsPathChar(c))
            {
                sb.Append(c);
            }
            else
            {
                var length = char.IsHighSurrogate(c) && i + 1 < path.Length
                    ? Encoding.UTF8.GetBytes(path.AsSpan(i++, 2), utf8)
                    : Encoding.UTF8.GetBytes(path.AsSpan(i, 1), utf8);
                foreach (var b in utf8[..length])
                {
                    sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
                }
            }
        }
        return sb.ToString();
    }

    /// <summary>
    /// The forms a verifier accepts for a path received encoded: that path, and its decoded forms (fully decoded,
    /// and decoded but for <c>%2F</c>, which is what ASP.NET Core's <c>Request.Path</c> holds). Distinct, encoded first.
    /// </summary>
    public static IReadOnlyList<string> AcceptedForms(string encodedPath)
    {
        ArgumentNullException.ThrowIfNull(encodedPath);
        if (!encodedPath.Contains('%', StringComparison.Ordinal))
        {
            return [encodedPath];
        }
        var forms = new List<string>(3) { encodedPath };
        void Add(string form)
        {
            if (!forms.Contains(form))
            {
                forms.Add(form);
            }
        }
        Add(Uri.UnescapeDataString(encodedPath));
        var segments = encodedPath.Split(["%2F", "%2f"], StringSplitOptions.None);
        if (segments.Length > 1)
        {
            Add(string.Join("%2F", segments.Select(Uri.UnescapeDataString)));
        }
        return forms;
    }

    private static string StripQuery(string target)
    {
        var end = target.AsSpan().IndexOfAny('?', '#');
        return end < 0 ? target : target[..end];
    }

    /// <summary>RFC 3986 pchar plus '/': unreserved, sub-delims, ':' and '@'.</summary>
    private static bool IsPathChar(char c) =>
        char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '!' or '$' or '&' or '\'' or '(' or ')'
            or '*' or '+' or ',' or ';' or '=' or ':' or '@' or '/';
}
