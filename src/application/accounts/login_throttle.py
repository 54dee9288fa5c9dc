"""Login throttling: the one home of its limits and keys.

Guessing must be slowed without handing an attacker a way to lock the owner out (NIST SP
800-63B 5.2.2). The algorithm is OWASP's "Slow Down Online Guessing Attacks with Device
Cookies": a successful login hands the client a device token bound to the account and to its
current credentials (its `token_version`: a password change or reset, or a deactivation, ends
every token issued before, so a token earned with a password dies with it).
- A client presenting a valid token for the account is a *known device*: it is admitted on
  its own count (`failures_per_device`) and the count of all known devices of the account
  together (`failures_per_account_devices`, a few devices' worth), so no number of guesses
  made from unknown clients can refuse it, and it never counts against the account-wide
  ceiling. The shared count is what keeps N tokens (N sign-ins by someone who once knew the
  password, or N stolen cookies) from being N budgets; it counts every attempt, a success
  included, and a success does not clear it, so the owner's sign-ins never wipe out an
  attacker's guesses. Past either limit the device is treated as an unknown client; since its
  attempts were also counted per account-and-client, a token does not double the guesses one
  client gets.
- Any other client is *unknown*: refused first when it failed too often against any account
  (counting nothing, so a blocked client cannot burn anyone's budget), then counted per
  account-and-client (strict) and against the account-wide ceiling for unknown clients, which
  once reached refuses unknown clients only.
Attempts are counted before the password is checked, so N parallel guesses never get more
than the limit verified. A success clears its own counters; an unknown client's failure also
counts against the client (a known device's token is for one account only, so its failures
say nothing about the client's guessing elsewhere). A password reset by mail lifts the
account-wide ceiling and the known devices' shared count (`lift_account_ceiling`): the tokens
it ended cannot use them, and the owner's devices signed in since start afresh.

Keys never hold an address: the account is named by its keyed fingerprint."""

from __future__ import annotations

from dataclasses import dataclass

from application.ports.limits import Rate, RateDecision, RateLimiter
from application.ports.security import DeviceTokens, Fingerprints
from application.throttling import ThrottleKey, Throttler


@dataclass(frozen=True, slots=True)
class LoginLimits:
    per_account_and_client: Rate  # strict: one unknown client guessing one account
    per_account: Rate  # the ceiling for all unknown clients of one account together
    failures_per_client: Rate  # one client guessing many accounts
    failures_per_device: Rate  # a known device (it presented its device token)
    failures_per_account_devices: Rate  # all known devices of one account together


@dataclass(frozen=True, slots=True)
class Throttle:
    limit: str  # its name in audit events and metrics
    key: ThrottleKey
    rate: Rate


@dataclass(frozen=True, slots=True)
class Admitted:
    """An attempt that may check its password, and what its outcome must count."""

    account_fingerprint: str
    clear_on_success: tuple[Throttle, ...]
    count_on_failure: Throttle | None


@dataclass(frozen=True, slots=True)
class Refused:
    account_fingerprint: str
    throttle: Throttle
    decision: RateDecision


def _ceiling_key(account_fingerprint: str) -> ThrottleKey:
    return ThrottleKey("login:account", account_fingerprint)


def _devices_key(account_fingerprint: str) -> ThrottleKey:
    return ThrottleKey("login:devices", account_fingerprint)


@dataclass(frozen=True, slots=True)
class LoginThrottle:
    limiter: RateLimiter
    limits: LoginLimits
    fingerprints: Fingerprints
    devices: DeviceTokens

    @property
    def counters(self) -> Throttler:
        return Throttler(self.limiter)

    async def admit(
        self, account: str, client: str, device_token: str | None, token_version: int | None
    ) -> Admitted | Refused:
        """`account` is the normalised address typed in, whether or not it has an account;
        `token_version` is that account's, None when there is none (no device is known then)."""
        limits, fingerprint = self.limits, self.fingerprints.of(account)
        pair = Throttle(
            "account-client",
            ThrottleKey("login:account-client", f"{fingerprint}|{client}"),
            limits.per_account_and_client,
        )
        device = self.devices.verify(device_token, account, token_version) if device_token else None
        if device is not None:
            known = Throttle(
                "device", ThrottleKey("login:device", device), limits.failures_per_device
            )
            shared = limits.failures_per_account_devices
            if (await self.counters.hit(known.key, known.rate)).allowed and (
                await self.counters.hit(_devices_key(fingerprint), shared)
            ).allowed:
                await self.counters.hit(pair.key, pair.rate)  # counted, never refusing here
                return Admitted(fingerprint, (known, pair), count_on_failure=None)
        failures = Throttle(
            "client-failures",
            ThrottleKey("login:client-failures", client),
            limits.failures_per_client,
        )
        decision = await self.counters.peek(failures.key, failures.rate)
        if not decision.allowed:
            return Refused(fingerprint, failures, decision)
        ceiling = Throttle("account", _ceiling_key(fingerprint), limits.per_account)
        for throttle in (pair, ceiling):
            decision = await self.counters.hit(throttle.key, throttle.rate)
            if not decision.allowed:
                return Refused(fingerprint, throttle, decision)
        return Admitted(fingerprint, (pair,), count_on_failure=failures)

    async def failed(self, attempt: Admitted) -> None:
        if attempt.count_on_failure is not None:
            throttle = attempt.count_on_failure
            await self.counters.hit(throttle.key, throttle.rate)

    async def succeeded(self, attempt: Admitted, account: str, token_version: int) -> str:
        """Clear the attempt's counters; the client's new device token, under the
        `token_version` the account signed in with."""
        for throttle in attempt.clear_on_success:
            await self.counters.reset(throttle.key)
        return self.devices.issue(account, token_version)

    async def first_refusal_in_window(self, refused: Refused) -> bool:
        """True once per throttle key and window: what audits a refusal without letting a
        flood of refused attempts flood the log."""
        rate = Rate(1, refused.throttle.rate.window_seconds)
        audit = ThrottleKey("audit", str(refused.throttle.key))
        return (await self.counters.hit(audit, rate)).allowed

    async def lift_account_ceiling(self, account: str) -> None:
        """The owner proved control of the mailbox and the reset ended every device token:
        unknown clients may try again, and the devices the owner signs in from next get the
        shared budget of known devices back."""
        fingerprint = self.fingerprints.of(account)
        for key in (_ceiling_key(fingerprint), _devices_key(fingerprint)):
            await self.counters.reset(key)
