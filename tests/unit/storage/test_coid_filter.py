"""The archive's client-order-id filter never hides an archived id and rarely says maybe."""

from __future__ import annotations

from openvenue.storage.coid_filter import FIRST_CAPACITY, ArchivedClientOrderIds


def test_an_empty_filter_holds_nothing():
    assert not ArchivedClientOrderIds().may_hold(1, "anything")


def test_every_added_id_is_held_across_layers_and_few_others_are():
    archived = [(account, f"order-{n}") for n in range(3 * FIRST_CAPACITY) for account in (1,)]
    ids = ArchivedClientOrderIds(archived[:FIRST_CAPACITY])
    for account, coid in archived[FIRST_CAPACITY:]:  # grows past its first layer
        ids.add(account, coid)
    assert ids.count == len(archived)
    assert all(ids.may_hold(account, coid) for account, coid in archived)
    fresh = [(1, f"new-{n}") for n in range(50_000)]
    false_positives = sum(ids.may_hold(account, coid) for account, coid in fresh)
    assert false_positives < len(fresh) * 0.03


def test_the_same_id_on_another_account_is_a_different_id():
    ids = ArchivedClientOrderIds([(1, "shared")])
    assert ids.may_hold(1, "shared")
    misses = sum(ArchivedClientOrderIds([(1, f"shared-{n}")]).may_hold(2, f"shared-{n}")
                 for n in range(1_000))
    assert misses < 30
