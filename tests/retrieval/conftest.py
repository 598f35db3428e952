"""A small shop repository written at test time, shared by the retrieval tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SHOP = {
    "shop/__init__.py": '"""A shop."""\n',
    "shop/pricing.py": '''"""Prices and discounts."""

from shop.money import round_cents


def apply_discount(price, percent):
    """Price after a percentage discount."""
    return round_cents(price * (1 - percent / 100))


def total_price(items):
    """Sum of the items' prices."""
    return round_cents(sum(item.price for item in items))
''',
    "shop/money.py": '''"""Money helpers."""


def round_cents(amount):
    """Round to whole cents."""
    return int(amount * 100) / 100


def format_money(amount, currency="EUR"):
    return f"{amount:.2f} {currency}"
''',
    "shop/shipping.py": '''"""Shipping."""


class ShippingZone:
    """Where a parcel goes."""

    def rate(self, weight):
        return weight * 2


def parcel_label(address):
    return address.upper()
''',
    "tests/test_pricing.py": """from shop.pricing import apply_discount


def test_apply_discount():
    assert apply_discount(10, 10) == 9
""",
}

STATEMENT = (
    "`apply_discount(19.99, 15)` returns 16.99 for some prices and 16.98 for others: "
    "the discounted price is truncated instead of rounded to cents."
)


@pytest.fixture
def write_repo() -> Callable[[Path, dict[str, str]], Path]:
    """Write files (relative path to text) under a folder; return the folder."""

    def write(root: Path, files: dict[str, str]) -> Path:
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(text)
        return root

    return write


@pytest.fixture
def shop(tmp_path: Path, write_repo: Callable[[Path, dict[str, str]], Path]) -> Path:
    """The shop repository."""
    return write_repo(tmp_path / "shop-repo", SHOP)


@pytest.fixture
def statement() -> str:
    """A problem statement naming ``apply_discount``, whose fix is in ``round_cents``."""
    return STATEMENT
