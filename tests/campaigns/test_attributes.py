"""Seller-defined attributes as people read them: labels, keys in words, values in words."""

from campaigns.attributes import attribute_rows


def test_rows_use_the_sellers_label_else_the_key_in_words_and_human_values():
    attributes = {
        "table_size": 6,
        "drinks_included": True,
        "smoking": False,
        "view": ["ocean", "pool"],
        "deposit": 2.5,
        "floor": 2.0,
        "room_type": "garden",
    }

    rows = attribute_rows(attributes, {"table_size": "Seats at the table"})

    assert rows == [
        ("Deposit", "2.5"),
        ("Drinks included", "Yes"),
        ("Floor", "2"),
        ("Room type", "garden"),
        ("Smoking", "No"),
        ("Seats at the table", "6"),
        ("View", "ocean, pool"),
    ]


def test_no_attributes_no_rows():
    assert attribute_rows({}, None) == []
