using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline.Aggregates;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>A profile row as read (keyed by customer id): its state and the tag it was read with (null: no row yet).</summary>
public sealed record CustomerRow(CustomerState State, string? ETag);

/// <summary>
/// Profiles, the contact-point index and purchase history. A profile is an aggregate: its row is loaded with its tag and
/// a decision's new state saved against that tag (the runner in <see cref="CustomerService"/> decides and retries).
/// </summary>
public interface ICustomerStore : IAggregateStore<string, CustomerRow, CustomerState>
{
    Task<CustomerState> GetAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>The profile a contact point is indexed to, or null.</summary>
    Task<string?> FindAsync(ContactPoint point, CancellationToken cancellationToken);

    /// <summary>Indexes a contact point to a profile unless another holds it; true when it is (now or already) this profile's.</summary>
    Task<bool> ClaimAsync(ContactPoint point, string customerId, CancellationToken cancellationToken);

    /// <summary>The profiles that hold an indexed contact point of a kind whose value starts with a prefix.</summary>
    Task<IReadOnlyList<string>> HoldersAsync(ContactKind kind, string prefix, CancellationToken cancellationToken);

    /// <summary>Removes a contact point from the index if it belongs to this profile.</summary>
    Task ReleaseAsync(ContactPoint point, string customerId, CancellationToken cancellationToken);

    /// <summary>Records a purchase or return once per key; false when that key is already recorded.</summary>
    Task<bool> AddHistoryAsync(string customerId, HistoryEntry entry, CancellationToken cancellationToken);

    /// <summary>
    /// Adds a new profile together with its first purchase or return, in one write (they share the profile's
    /// partition); false, writing nothing, when the profile is there already.
    /// </summary>
    Task<bool> TryAddWithHistoryAsync(string customerId, CustomerState state, HistoryEntry first, CancellationToken cancellationToken);

    Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>Remembers whose an order is (the first profile it was recorded on), so a return that names no shopper finds them.</summary>
    Task LinkOrderAsync(string orderId, string customerId, CancellationToken cancellationToken);

    Task<string?> FindOrderAsync(string orderId, CancellationToken cancellationToken);
}

/// <summary>What became of a loyalty command: the events written (or first written, for a repeat) and the account after.</summary>
public sealed record LoyaltyResult(CommandOutcome Outcome, IReadOnlyList<LoyaltyEvent> Events, LoyaltyAccount Account, Refused? Refusal = null);

/// <summary>Which rows a loyalty command needs: the customer's account, its idempotency row, and the order it names.</summary>
public sealed record LoyaltyKey(string CustomerId, string IdempotencyKey, string? OrderId);

/// <summary>
/// A loyalty slice as read: the account and the order's accrual with their tags (null: no row yet), and the events
/// first written when the command's idempotency key was already applied.
/// </summary>
public sealed record LoyaltyRows(
    LoyaltyAccount Account, string? AccountTag, OrderAccrual? Order, string? OrderTag, IReadOnlyList<LoyaltyEvent>? Applied)
{
    /// <summary>
    /// The account as it stands (an unopened one: no row yet) with the command's other rows assumed absent: a slice to
    /// decide on whose write proves it, since the write adds every row assumed absent and fails if one is there.
    /// </summary>
    public static LoyaltyRows AccountOnly(LoyaltyAccount account, string? accountTag) => new(account, accountTag, null, null, null);
}

/// <summary>What a loyalty decision writes: its events under the command's key, the account after, the order's accrual if it changed, the ledger lines.</summary>
public sealed record LoyaltyChange(
    string IdempotencyKey,
    DateTimeOffset At,
    IReadOnlyList<LoyaltyEvent> Events,
    LoyaltyAccount Account,
    OrderAccrual? Order,
    IReadOnlyList<LoyaltyEntry> Entries);

/// <summary>
/// The points ledger: one balance row per customer, ETag-checked, with its entries and idempotency rows. A decision's
/// rows (idempotency key, account, order accrual, entries) are saved in one atomic write, so a repeated key is
/// recognised and two redemptions racing for the same points cannot both pass.
/// </summary>
public interface ILoyaltyStore : IAggregateStore<LoyaltyKey, LoyaltyRows, LoyaltyChange>
{
    Task<LoyaltyAccount> GetAccountAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>The account row alone with its tag (<see cref="LoyaltyRows.AccountOnly"/>): one read, not three.</summary>
    Task<LoyaltyRows> LoadAccountAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>What one order earned on a customer's ledger (and how much came back), or null.</summary>
    Task<OrderAccrual?> GetOrderAsync(string customerId, string orderId, CancellationToken cancellationToken);

    /// <summary>The newest entries of the ledger, oldest first.</summary>
    Task<IReadOnlyList<LoyaltyEntry>> GetEntriesAsync(string customerId, int max, CancellationToken cancellationToken);

    /// <summary>Customers holding points that have expired by the given time.</summary>
    Task<IReadOnlyList<string>> DueForExpiryAsync(DateTimeOffset at, int max, CancellationToken cancellationToken);
}
