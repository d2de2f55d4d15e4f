"""Derived order ids: every sequence id has a UUID and a ULID that decode back to it."""

from __future__ import annotations

import uuid

import pytest
from ulid import ULID

from openvenue.domain.ids import OrderIdCodec

T0 = 1_767_225_600_000_000_000  # 2026-01-01T00:00Z in ns
ORDER_IDS = [1, 2, 3, 42, 1000, 65_535, 2**31 - 1, 2**31, 2**32 + 7, 10**12, 2**62 - 1]


@pytest.fixture
def codec() -> OrderIdCodec:
    return OrderIdCodec(b"test-instance")


class TestUuid:
    @pytest.mark.parametrize("order_id", ORDER_IDS)
    def test_round_trip_from_uuid_and_its_string_forms(self, codec, order_id):
        value = codec.uuid(order_id)
        assert codec.order_id_from_uuid(value) == order_id
        assert codec.order_id_from_uuid(str(value)) == order_id
        assert codec.order_id_from_uuid(str(value).upper()) == order_id
        assert codec.order_id_from_uuid(value.hex) == order_id

    @pytest.mark.parametrize("order_id", ORDER_IDS)
    def test_version_4_and_rfc_4122_variant(self, codec, order_id):
        value = codec.uuid(order_id)
        assert value.version == 4
        assert value.variant == uuid.RFC_4122

    def test_deterministic(self, codec):
        assert codec.uuid(42) == OrderIdCodec(b"test-instance").uuid(42)

    def test_distinct_ids_give_distinct_uuids(self, codec):
        values = {codec.uuid(i) for i in range(1, 5001)}
        assert len(values) == 5000

    def test_consecutive_ids_are_not_visibly_consecutive(self, codec):
        a, b = codec.uuid(1000).int, codec.uuid(1001).int
        assert abs(a - b) > 2**32

    def test_different_keys_give_different_uuids(self, codec):
        other = OrderIdCodec(b"another-instance")
        for order_id in (1, 2, 1000):
            assert codec.uuid(order_id) != other.uuid(order_id)
            # and one instance does not accept the other's UUIDs as its own
            assert codec.order_id_from_uuid(other.uuid(order_id)) is None

    @pytest.mark.parametrize("garbage", [
        "", "not-a-uuid", "1234", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz", None, 123, b"bytes",
        "00000000-0000-0000-0000-000000000000",
    ])
    def test_garbage_is_none(self, codec, garbage):
        assert codec.order_id_from_uuid(garbage) is None

    def test_foreign_random_uuids_are_none(self, codec):
        for seed in range(200):
            foreign = uuid.UUID(int=(seed * 0x9E3779B97F4A7C15_1234567 + 99) % 2**128, version=4)
            assert codec.order_id_from_uuid(foreign) is None

    def test_a_uuid_with_one_bit_flipped_is_not_ours(self, codec):
        value = codec.uuid(77).int
        for bit in (0, 5, 40, 70, 100, 127):
            tampered = uuid.UUID(int=value ^ (1 << bit))
            assert codec.order_id_from_uuid(tampered) != 77


class TestUlid:
    @pytest.mark.parametrize("order_id", ORDER_IDS + [2**63 - 1])
    def test_round_trip(self, codec, order_id):
        value = codec.ulid(order_id, T0 + 123_456_789)
        assert isinstance(value, ULID)
        assert codec.order_id_from_ulid(str(value)) == order_id
        assert codec.order_id_from_ulid(str(value).lower()) == order_id

    def test_carries_the_creation_millisecond(self, codec):
        value = codec.ulid(5, T0 + 123_456_789)
        assert int(value) >> 80 == (T0 + 123_456_789) // 1_000_000
        assert value.milliseconds == (T0 + 123_456_789) // 1_000_000

    def test_sorts_by_creation_time_then_id(self, codec):
        made = [
            (T0 + 2_000_000, 1),  # created later, lower id
            (T0, 9),
            (T0, 3),
            (T0 + 1_000_000, 2),
            (T0 + 1_000_000, 10),
        ]
        ulids = {codec.ulid(order_id, ns): (ns // 1_000_000, order_id) for ns, order_id in made}
        by_string = [ulids[u] for u in sorted(ulids, key=str)]
        assert by_string == sorted(ulids.values())

    def test_another_instance_does_not_decode_ours(self, codec):
        theirs = OrderIdCodec(b"another-instance").ulid(42, T0)
        assert codec.order_id_from_ulid(str(theirs)) is None

    @pytest.mark.parametrize("garbage", [
        "", "not-a-ulid", "0" * 25, "0" * 27, "U" * 26, "8" + "0" * 25, "Z" * 26, None, 123,
    ])
    def test_garbage_is_none(self, codec, garbage):
        assert codec.order_id_from_ulid(garbage) is None

    def test_foreign_ulid_is_none(self, codec):
        for ms in (0, 1, 1_767_225_600_000):
            foreign = ULID.from_int(ms << 80 | 0xFFFF_FFFF_FFFF_FFFF_FFFF)
            if (int(foreign) >> 64) & 0xFFFF == codec._ulid_key:
                continue  # the 1-in-65536 chance of a matching key is not a foreign value
            assert codec.order_id_from_ulid(str(foreign)) is None


@pytest.mark.parametrize("order_id", [1, 2, 977, 2**31 + 5, 2**62 - 1])
@pytest.mark.parametrize("created_ns", [0, 1_767_225_600_123_456_789, 2**62])
def test_text_forms_equal_the_library_renderings(order_id, created_ns):
    codec = OrderIdCodec(b"text-forms")
    assert codec.uuid_text(order_id) == str(codec.uuid(order_id))
    assert codec.ulid_text(order_id, created_ns) == str(codec.ulid(order_id, created_ns))
