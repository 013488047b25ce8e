using RetailFunctions.Domain.Customers;
using RetailFunctions.Domain.Loyalty;
using RetailFunctions.Pipeline.Ports;

namespace RetailFunctions.Pipeline.Customers;

/// <summary>Profiles, the contact-point index and purchase history.</summary>
public interface ICustomerStore
{
    Task<CustomerState> GetAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>
    /// Decides a command on the profile's current row and writes the result, ETag-checked: a writer that loses reads
    /// again and decides again. Returns the events written (none when there was nothing to do); throws
    /// <see cref="Refused"/> when the decider refuses.
    /// </summary>
    Task<IReadOnlyList<CustomerEvent>> ExecuteAsync(CustomerCommand command, CancellationToken cancellationToken);

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

    Task<IReadOnlyList<HistoryEntry>> GetHistoryAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>Remembers whose an order is (the first profile it was recorded on), so a return that names no shopper finds them.</summary>
    Task LinkOrderAsync(string orderId, string customerId, CancellationToken cancellationToken);

    Task<string?> FindOrderAsync(string orderId, CancellationToken cancellationToken);
}

/// <summary>What became of a loyalty command: the events written (or first written, for a repeat) and the account after.</summary>
public sealed record LoyaltyResult(CommandOutcome Outcome, IReadOnlyList<LoyaltyEvent> Events, LoyaltyAccount Account, Refused? Refusal = null);

/// <summary>The points ledger: one balance row per customer, ETag-checked, with its entries and idempotency rows.</summary>
public interface ILoyaltyStore
{
    /// <summary>
    /// Decides a command on the account (and the order it names) and writes the events, the new balance and the
    /// command's idempotency key in one atomic write. A repeated key returns AlreadyApplied with the events first written.
    /// </summary>
    Task<LoyaltyResult> ExecuteAsync(LoyaltyCommand command, LoyaltyProgram program, CancellationToken cancellationToken);

    Task<LoyaltyAccount> GetAccountAsync(string customerId, CancellationToken cancellationToken);

    /// <summary>What one order earned on a customer's ledger (and how much came back), or null.</summary>
    Task<OrderAccrual?> GetOrderAsync(string customerId, string orderId, CancellationToken cancellationToken);

    /// <summary>The newest entries of the ledger, oldest first.</summary>
    Task<IReadOnlyList<LoyaltyEntry>> GetEntriesAsync(string customerId, int max, CancellationToken cancellationToken);

    /// <summary>Customers holding points that have expired by the given time.</summary>
    Task<IReadOnlyList<string>> DueForExpiryAsync(DateTimeOffset at, int max, CancellationToken cancellationToken);
}
