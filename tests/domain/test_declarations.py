"""A domain class whose declarations contradict each other is refused when it is defined.

Each case defines a deliberately wrong class; the error must name the class and the culprit,
so the mistake is found at import rather than as misplaced XML or a failing read much later.
"""

from __future__ import annotations

import pytest

from hearth.domain.devices import Address, Disk
from hearth.domain.xmlbuilder import Flag, Int, Scaled, Section, Str, XMLChild, XMLChildren, XMLObject


def test_a_child_the_order_does_not_name_is_refused() -> None:
    with pytest.raises(
        TypeError, match=r"Gadget\.speed binds child <speed>, which .*Gadget\.ORDER does not name"
    ):

        class Gadget(XMLObject):
            TAG = "gadget"
            ORDER = ("driver", "address")
            driver = Str("./driver/@name")
            speed = Int("./speed/@mbps")


@pytest.mark.parametrize(
    "binding",
    [
        Flag("./readonly"),
        Scaled("./memory", "KiB"),
        Section(Address),
        XMLChildren(Address),
        Str("./driver/@name", alt=("./readonly/@name",)),
    ],
    ids=["flag", "scaled", "section", "children", "alternative path"],
)
def test_every_kind_of_binding_is_checked_against_the_order(binding: object) -> None:
    with pytest.raises(TypeError, match=r"Gadget\.thing binds child <(readonly|memory|address)>"):
        type("Gadget", (XMLObject,), {"TAG": "gadget", "ORDER": ("driver",), "thing": binding})


def test_an_order_entry_that_is_not_an_element_name_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Gadget\.ORDER names '@dev', which is not an element name"):

        class Gadget(XMLObject):
            TAG = "gadget"
            ORDER = ("driver", "@dev")


def test_an_order_given_as_one_string_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Gadget\.ORDER must be a tuple of element names, not 'address'"):

        class Gadget(XMLObject):
            TAG = "gadget"
            ORDER = "address"  # type: ignore[assignment]  # the missing comma this check is for


def test_an_order_naming_a_tag_twice_is_refused() -> None:
    with pytest.raises(TypeError, match=r"Gadget\.ORDER names 'alias' twice"):

        class Gadget(XMLObject):
            TAG = "gadget"
            ORDER = ("alias", "address", "alias")


def test_a_child_class_whose_tag_differs_from_its_path_is_refused() -> None:
    with pytest.raises(
        TypeError, match=r"Gadget\.address holds <addr> elements as Address, whose TAG is <address>"
    ):

        class Gadget(XMLObject):
            TAG = "gadget"
            address = XMLChild(Address, "./addr")


def test_two_properties_bound_to_one_place_are_refused() -> None:
    with pytest.raises(TypeError, match=r"Topology\.sockets and .*Topology\.cores bind the same place"):

        class Topology(XMLObject):
            TAG = "cpu"
            ORDER = ("topology",)
            sockets = Int("./topology/@sockets")
            cores = Int("./topology/@sockets")  # the copy-paste slip


def test_a_subclass_is_checked_with_what_it_inherits() -> None:
    with pytest.raises(TypeError, match=r"Drive\.iotune_total binds child <iotune>, which .*Drive\.ORDER"):

        class Drive(Disk):
            ORDER = tuple(tag for tag in Disk.ORDER if tag != "iotune")
            iotune_total = Int("./iotune/total_bytes_sec")


def test_an_order_may_rank_elements_no_property_binds() -> None:
    class Gadget(XMLObject):
        """<metadata> is kept, not modelled; ranking it still places a new <driver> after it."""

        TAG = "gadget"
        ORDER = ("metadata", "driver")
        driver = Str("./driver/@name")

    gadget = Gadget.from_xml("<gadget><extra/><metadata/></gadget>")
    gadget.driver = "qemu"
    assert gadget.to_xml(pretty=False) == '<gadget><extra/><metadata/><driver name="qemu"/></gadget>'


def test_overriding_a_binding_with_a_plain_attribute_drops_it_from_the_checks() -> None:
    class Gadget(XMLObject):
        TAG = "gadget"
        ORDER = ("driver", "serial")
        driver = Str("./driver/@name")
        serial = Str("./serial")

    class Bare(Gadget):
        ORDER = ("driver",)
        serial = None  # type: ignore[assignment]  # no longer bound, so ORDER need not rank it

    assert Bare.ORDER == ("driver",)
