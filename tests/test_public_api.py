import weakspot


def test_all_is_sorted_and_complete():
    assert weakspot.__all__ == sorted(weakspot.__all__)
    for name in weakspot.__all__:
        assert hasattr(weakspot, name)


def test_every_error_is_a_weakspot_error_and_a_value_error():
    for cls in (weakspot.InputError, weakspot.ImageError, weakspot.MissingDependency):
        assert issubclass(cls, weakspot.WeakspotError)
    assert issubclass(weakspot.WeakspotError, ValueError)
