namespace Tunai.Gateway.BackOffice;

/// <summary>
/// English or Bahasa Indonesia. The how-to-pay page puts both side by side for a customer who may read either;
/// an operator works in one, so the console picks one: the choice kept in a cookie, else the browser's first
/// preference, else English. Every text is written in both languages where it is used (<c>T(en, id)</c>).
/// </summary>
public static class Language
{
    public const string CookieName = "tunai_bo_lang";

    public static string Of(HttpContext http)
    {
        var chosen = http.Request.Cookies[CookieName];
        if (chosen is "id" or "en")
        {
            return chosen;
        }
        var accept = http.Request.Headers.AcceptLanguage.ToString();
        return accept.StartsWith("id", StringComparison.OrdinalIgnoreCase) || accept.StartsWith("in", StringComparison.OrdinalIgnoreCase) ? "id" : "en";
    }
}
