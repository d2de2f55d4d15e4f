"""Instruments: exact conversions between wire decimals and the integer tick/lot grid."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from openvenue.domain.instruments import Instrument, InstrumentKind


def equity(**kw) -> Instrument:
    fields = dict(id=1, symbol="AAPL", kind=InstrumentKind.EQUITY, tick_size=D("0.01"),
                  lot_size=D("1"), min_size=D("1"))
    fields.update(kw)
    return Instrument(**fields)


def fund(**kw) -> Instrument:
    fields = dict(id=3, symbol="SE0012193019SEK", kind=InstrumentKind.FUND, tick_size=D("0.0001"),
                  lot_size=D("0.0000001"), min_size=D("0.0000001"), currency="SEK",
                  isin="SE0012193019", amount_increment=D("0.01"))
    fields.update(kw)
    return Instrument(**fields)


@pytest.mark.parametrize("price, ticks", [
    ("0.01", 1), ("1", 100), ("100.00", 10_000), ("187.23", 18_723), ("187.230000", 18_723),
    ("99999999.99", 9_999_999_999),
])
def test_on_grid_price_converts_to_exact_ticks(price, ticks):
    assert equity().price_to_ticks(D(price)) == ticks


@pytest.mark.parametrize("price", ["0.001", "187.235", "0.009", "100.0000001"])
def test_off_grid_price_is_refused_not_rounded(price):
    assert equity().price_to_ticks(D(price)) is None


@pytest.mark.parametrize("quantity, lots", [("1", 1), ("250", 250), ("7.000", 7)])
def test_whole_share_quantities_convert_to_lots(quantity, lots):
    assert equity().qty_to_lots(D(quantity)) == lots


@pytest.mark.parametrize("quantity", ["0.5", "1.1", "10.0001"])
def test_fractional_share_quantity_is_off_grid(quantity):
    assert equity().qty_to_lots(D(quantity)) is None


def test_ticks_and_lots_convert_back_to_the_same_decimals():
    inst = equity()
    assert inst.price(18_723) == D("187.23")
    assert inst.quantity(250) == D("250")
    for text in ("0.01", "187.23", "42.50"):
        assert inst.price(inst.price_to_ticks(D(text))) == D(text)


def test_crypto_grid_with_small_lots():
    perp = Instrument(id=2, symbol="BTC-PERP", kind=InstrumentKind.CRYPTO_PERP,
                      tick_size=D("0.1"), lot_size=D("0.0001"), min_size=D("0.0001"))
    assert perp.price_to_ticks(D("65000.1")) == 650_001
    assert perp.price_to_ticks(D("65000.15")) is None
    assert perp.qty_to_lots(D("0.0123")) == 123
    assert perp.qty_to_lots(D("0.00005")) is None
    assert perp.quantity(123) == D("0.0123")


def test_non_decimal_tick_size_is_exact():
    quarter = equity(tick_size=D("0.25"))
    assert quarter.price_to_ticks(D("10.75")) == 43
    assert quarter.price_to_ticks(D("10.10")) is None


@pytest.mark.parametrize("convert, value, units", [
    ("price_to_ticks", "1E+30", 10**32),
    ("qty_to_lots", "1E+40", 10**40),
    ("amount_to_units", "1E+30", 10**32),
])
def test_very_large_on_grid_value_is_converted_exactly_not_crashed(convert, value, units):
    # A whole multiple of the step is on the grid whatever its size: the answer is its exact unit
    # count, never a decimal-context exception (DivisionImpossible) escaping to the caller.
    assert getattr(equity(), convert)(D(value)) == units


class TestFundInstrument:
    def test_is_fund_and_seven_decimal_units(self):
        inst = fund()
        assert inst.is_fund
        assert not equity().is_fund
        assert inst.qty_to_lots(D("1.2345678")) == 12_345_678
        assert inst.qty_to_lots(D("0.0000001")) == 1
        assert inst.quantity(12_345_678) == D("1.2345678")

    def test_eighth_decimal_of_units_is_off_grid(self):
        assert fund().qty_to_lots(D("1.23456789")) is None
        assert fund().qty_to_lots(D("0.00000005")) is None

    def test_nav_precision_and_cash_amount_units(self):
        inst = fund()
        assert inst.price_to_ticks(D("123.4567")) == 1_234_567
        assert inst.price_to_ticks(D("123.45678")) is None
        assert inst.amount_to_units(D("1000.50")) == 100_050
        assert inst.amount_to_units(D("1000.505")) is None
        assert inst.amount(100_050) == D("1000.50")

    def test_min_lots(self):
        assert fund(min_size=D("0.001")).min_lots == 10_000
        assert equity(min_size=D("100")).min_lots == 100


class TestDefinitionChecks:
    @pytest.mark.parametrize("field", ["tick_size", "lot_size", "amount_increment"])
    @pytest.mark.parametrize("value", ["0", "-0.01"])
    def test_grid_steps_must_be_positive(self, field, value):
        with pytest.raises(ValueError):
            equity(**{field: D(value)})

    def test_min_size_must_be_a_multiple_of_the_lot(self):
        with pytest.raises(ValueError):
            equity(lot_size=D("10"), min_size=D("15"))
        with pytest.raises(ValueError):
            equity(min_size=D("-1"))
        assert equity(lot_size=D("10"), min_size=D("30")).min_lots == 3


class TestMoney:
    def test_notional_is_exact(self):
        inst = equity()
        # 3 lots at 187.23 + 2 lots at 187.24 = 936.17, in ticks*lots
        assert inst.notional(18_723 * 3 + 18_724 * 2) == D("936.17")

    def test_average_price_six_places_finer_than_the_tick(self):
        inst = equity()
        assert inst.average_price(18_723 * 1 + 18_724 * 2, 3) == D("187.23666667")
        assert inst.average_price(0, 0) is None

    def test_average_price_of_one_fill_is_its_price(self):
        inst = equity()
        assert inst.average_price(18_723 * 5, 5) == D("187.23")
