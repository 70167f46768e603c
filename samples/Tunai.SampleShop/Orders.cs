using System.Collections.Concurrent;
using System.Net;
using Tunai.Merchant;

namespace Tunai.SampleShop;

[System.Text.Json.Serialization.JsonConverter(typeof(System.Text.Json.Serialization.JsonStringEnumConverter<OrderState>))]
public enum OrderState
{
    AwaitingPayment,
    Paid,
}

/// <summary>An order and the payment code that pays it. Amounts in rupiah.</summary>
public sealed record Order(string Id, string Item, long Amount, string CustomerName, OrderState State,
    string? PaymentCode = null, Uri? HowToPayPage = null, DateTimeOffset? ExpiresAt = null, DateTimeOffset? PaidAt = null);

/// <summary>In-memory orders (a sample: a real shop keeps them in its database). The order id is the invoice number.</summary>
public sealed class OrderBook(ILogger<OrderBook> logger)
{
    private readonly ConcurrentDictionary<string, Order> _orders = new(StringComparer.Ordinal);

    public Order? Find(string id) => _orders.TryGetValue(id, out var order) ? order : null;

    public IReadOnlyList<Order> All() => [.. _orders.Values.OrderByDescending(o => o.Id, StringComparer.Ordinal)];

    public void Save(Order order) => _orders[order.Id] = order;

    /// <summary>
    /// A verified notification: a success for the order's own code and amount marks it paid. Applying it twice
    /// changes nothing, so a redelivered notification is harmless.
    /// </summary>
    public void Apply(PaymentNotification notification)
    {
        if (!notification.IsSuccess || Find(notification.InvoiceNumber) is not { } order)
        {
            logger.LogWarning("Ignored notification {RequestId} for invoice {Invoice}", notification.RequestId, notification.InvoiceNumber);
            return;
        }
        if (order.PaymentCode != notification.PaymentCode || order.Amount != notification.Order.Amount)
        {
            logger.LogWarning("Notification {RequestId} does not match order {Invoice}", notification.RequestId, order.Id);
            return;
        }
        _orders.AddOrUpdate(order.Id, order, (_, current) => current.State == OrderState.Paid
            ? current
            : current with { State = OrderState.Paid, PaidAt = DateTimeOffset.UtcNow });
        logger.LogInformation("Order {Invoice} paid with code {Code}", order.Id, notification.PaymentCode);
    }
}

public sealed record NewOrder(string Item, long Amount, string CustomerName);

public static class ShopEndpoints
{
    public static IEndpointRouteBuilder MapShop(this IEndpointRouteBuilder app)
    {
        app.MapGet("/", (OrderBook orders) => Results.Content(Pages.Home(orders.All()), "text/html; charset=utf-8"));
        app.MapPost("/orders", async (HttpRequest request, OrderBook orders, TunaiMerchantClient tunai, CancellationToken ct) =>
        {
            var form = await request.ReadFormAsync(ct);
            var amount = long.TryParse(form["amount"], out var a) ? a : 0;
            var order = await PlaceAsync(new NewOrder(form["item"].ToString(), amount, form["customer_name"].ToString()), orders, tunai, ct);
            return Results.Redirect($"/orders/{order.Id}");
        }).DisableAntiforgery();
        app.MapPost("/api/orders", async (NewOrder input, OrderBook orders, TunaiMerchantClient tunai, CancellationToken ct) =>
            Results.Json(await PlaceAsync(input, orders, tunai, ct)));
        app.MapGet("/api/orders/{id}", (string id, OrderBook orders) => orders.Find(id) is { } o ? Results.Json(o) : Results.NotFound());
        app.MapGet("/orders/{id}", (string id, OrderBook orders) =>
            orders.Find(id) is { } o ? Results.Content(Pages.Order(o), "text/html; charset=utf-8") : Results.NotFound());
        return app;
    }

    /// <summary>Saves the order, then asks Tunai for a code; the SDK retries safely, so a slow network never makes two.</summary>
    private static async Task<Order> PlaceAsync(NewOrder input, OrderBook orders, TunaiMerchantClient tunai, CancellationToken ct)
    {
        var id = $"SHOP-{DateTimeOffset.UtcNow:yyyyMMddHHmmss}-{Guid.NewGuid().ToString("N")[..6].ToUpperInvariant()}";
        var order = new Order(id, string.IsNullOrWhiteSpace(input.Item) ? "Kopi Susu" : input.Item, input.Amount,
            string.IsNullOrWhiteSpace(input.CustomerName) ? "Pembeli" : input.CustomerName, OrderState.AwaitingPayment);
        orders.Save(order);
        var code = await tunai.CreatePaymentCodeAsync(new CreatePaymentCodeRequest
        {
            InvoiceNumber = order.Id,
            Amount = order.Amount,
            CustomerName = order.CustomerName,
            Info = "Tunai Sample Shop",
            ExpiredMinutes = 60,
        }, ct);
        order = order with { PaymentCode = code.PaymentCode, HowToPayPage = code.HowToPayPage, ExpiresAt = code.ExpiresAt };
        orders.Save(order);
        return order;
    }
}

internal static class Pages
{
    private static string H(string? text) => WebUtility.HtmlEncode(text ?? "");

    private static string Layout(string title, string body) =>
        $$"""
        <!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
        <title>{{H(title)}}</title><style>body{font-family:sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem}
        .code{font-size:2rem;font-family:monospace;letter-spacing:.1em}.paid{color:#0a0}</style></head>
        <body><h1><a href="/">Tunai Sample Shop</a></h1>{{body}}</body></html>
        """;

    public static string Home(IReadOnlyList<Order> orders) => Layout("Tunai Sample Shop",
        $"""
        <form method="post" action="/orders">
          <p><label>Item <input name="item" value="Kopi Susu"></label></p>
          <p><label>Amount (Rp) <input name="amount" value="25000" inputmode="numeric"></label></p>
          <p><label>Your name <input name="customer_name" value="Siti Nurhaliza"></label></p>
          <p><button>Order and pay at Alfamart</button></p>
        </form>
        <h2>Orders</h2><ul>{string.Concat(orders.Select(o => $"<li><a href=\"/orders/{H(o.Id)}\">{H(o.Id)}</a> {H(o.Item)}: {o.State}</li>"))}</ul>
        """);

    public static string Order(Order o) => Layout(o.Id,
        o.State == OrderState.Paid
            ? $"""<p class="paid"><strong>Paid</strong> at {o.PaidAt:u}. Thank you!</p><p>{H(o.Item)}, Rp {o.Amount:N0}</p>"""
            : $"""
              <p>{H(o.Item)}, Rp {o.Amount:N0}. Pay at any Alfamart, Alfamidi or Lawson till with this code:</p>
              <p class="code">{H(o.PaymentCode)}</p>
              <p>Valid until {o.ExpiresAt:u}. <a href="{H(o.HowToPayPage?.ToString())}">How to pay</a></p>
              <p>This page does not refresh by itself: reload it after paying.</p>
              """);
}
