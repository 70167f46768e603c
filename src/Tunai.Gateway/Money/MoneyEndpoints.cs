using Tunai.Gateway.Admin;

namespace Tunai.Gateway.Money;

/// <summary>The routes of money: a merchant's accounts, payments with their journal, settlements, reports.</summary>
public static class MoneyEndpoints
{
    public static IEndpointRouteBuilder MapMoney(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/admin/v1/merchants/{clientId}").RequireAdminToken().MapAccounts();
        app.MapGroup("/admin/v1/payments").RequireAdminToken().MapGet("/{paymentId}", PaymentEndpoints.Get);
        app.MapGroup("/admin/v1/settlements").RequireAdminToken().MapSettlements();
        app.MapReports();
        app.MapReconciliation();
        return app;
    }
}
