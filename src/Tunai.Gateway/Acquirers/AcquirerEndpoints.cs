using Tunai.Gateway.Admin;
using Tunai.Gateway.Api;
using Tunai.Gateway.Configuration;
using Tunai.Gateway.Storage;

namespace Tunai.Gateway.Acquirers;

/// <summary>The admin API of acquirer connections: one per set of credentials a store network signs with.</summary>
public static class AcquirerEndpoints
{
    public static IEndpointRouteBuilder MapAcquirers(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/admin/v1/acquirers").RequireAdminToken();
        group.MapPost("", Create);
        return app;
    }

    private static async Task<IResult> Create(HttpContext http, Database database, TunaiOptions options, TimeProvider time)
    {
        var (document, error) = await RequestBody.ReadObjectAsync(http.Request, options.MerchantApi.MaxBodyBytes);
        if (error is not null)
        {
            return error;
        }
        using (document)
        {
            var f = new FieldReader(document!.RootElement);
            var id = f.Text("id", 16, required: true);
            var name = f.Text("name", 128, required: true);
            if (id is not null && !id.All(c => c is >= 'A' and <= 'Z' or >= '0' and <= '9' or '_'))
            {
                f.Fail<string>("id", "id must be upper-case letters, digits or '_' (e.g. ALFA)");
            }
            if (f.Error is { } invalid)
            {
                return invalid;
            }
            var (acquirer, conflict) = await AcquirerStore.CreateAsync(database, time, id!, name!);
            return conflict ?? WireJson.Ok(new AcquirerView(acquirer!.Code, acquirer.Name, acquirer.ClientId, acquirer.SecretKey), StatusCodes.Status201Created);
        }
    }
}
