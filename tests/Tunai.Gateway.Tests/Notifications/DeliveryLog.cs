using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Tunai.Gateway.BackOffice;
using Tunai.Gateway.Tests.BackOffice;
using Tunai.Gateway.Tests.Infrastructure;

namespace Tunai.Gateway.Tests.Notifications;

/// <summary>
/// What the delivery log shows as a notification's body is what the merchant received: in the admin API, the same
/// JSON; on the back office's page of the code, the same text.
/// </summary>
public static partial class DeliveryLog
{
    public static async Task AssertShowsTheBodySentAsync(GatewayHost gateway, string code, JsonNode admin, byte[] received)
    {
        var sent = Encoding.UTF8.GetString(received);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(sent), admin["body"]), $"the admin API shows {admin["body"]?.ToJsonString()}, the merchant got {sent}");

        using var staff = new BackOfficeHttp(gateway);
        var signIn = await staff.SignInAsync(await BackOfficeAccounts.AddAsync(gateway, Roles.Viewer), BackOfficeAccounts.Password);
        Assert.Equal(HttpStatusCode.Redirect, signIn.Status);
        var page = await staff.GetAsync($"/backoffice/codes/{code}");
        Assert.Equal(HttpStatusCode.OK, page.Status);
        var shown = BodySent().Match(page.Body);
        Assert.True(shown.Success, "the code's page shows no body sent");
        Assert.Equal(sent, WebUtility.HtmlDecode(shown.Groups[1].Value));
    }

    [GeneratedRegex("<pre class=\"body-sent\">([^<]*)</pre>")]
    private static partial Regex BodySent();
}
