"""Hostile and broken input: every way in must end in one XMLParseError naming line and problem.

Network checks use a real HTTP server on 127.0.0.1 that records every request; file checks
use a real file holding a marker string. Each attack is also run through a deliberately
unsafe lxml parser where that parser would act on it, to prove the attack is live and the
harness would notice a leak.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

import hearth.domain
from hearth.domain import Domain, Network, StoragePool, StorageVolume
from hearth.domain.xmlio import MAX_XML_BYTES, XMLParseError
from hearth.errors import HearthError, ValidationError

from ._support import assert_same_document, canonical

MARKER = "HEARTH-SECRET-7f3a9c"
PARSERS = {
    "parse": hearth.domain.parse,
    "Domain": Domain.from_xml,
    "Network": Network.from_xml,
    "StoragePool": StoragePool.from_xml,
    "StorageVolume": StorageVolume.from_xml,
}
ROOTS = {"parse": "domain", "Domain": "domain", "Network": "network", "StoragePool": "pool"}
ROOTS["StorageVolume"] = "volume"


class Recorder:
    def __init__(self) -> None:
        self.requests: list[str] = []
        self.lock = threading.Lock()


@pytest.fixture
def http_server() -> Iterator[tuple[str, Recorder]]:
    """A loopback HTTP server that serves a DTD/entity holding MARKER and records each request."""
    rec = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with rec.lock:
                rec.requests.append(self.path)
            body = (f'<!ENTITY remote "{MARKER}">' if self.path.endswith(".dtd") else MARKER).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", rec
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(MARKER)
    return path


def parse_error(fn: object, doc: str | bytes) -> XMLParseError:
    with pytest.raises(XMLParseError) as info:
        fn(doc)  # type: ignore[operator]
    err = info.value
    assert isinstance(err, ValidationError) and isinstance(err, HearthError)
    assert "\n" not in str(err), f"the message should be one sentence: {err!s}"
    assert MARKER not in str(err) and MARKER not in repr(err.details)
    return err


def assert_names_line(err: XMLParseError, line: int, *words: str) -> None:
    msg = str(err)
    assert f"line {line}" in msg, f"message should name line {line}: {msg!r}"
    for word in words:
        assert word.lower() in msg.lower(), f"message should say {word!r}: {msg!r}"


def unsafe_parse(doc: str | bytes) -> etree._Element:
    """What a careless caller would do: DTDs loaded, entities resolved."""
    parser = etree.XMLParser(load_dtd=True, resolve_entities=True, no_network=False, huge_tree=True)
    data = doc.encode() if isinstance(doc, str) else doc
    return etree.fromstring(data, parser)


# ---- entity attacks ---------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE domain [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<ROOT><name>&lol9;</name></ROOT>
"""


@pytest.mark.parametrize("which", list(PARSERS))
def test_billion_laughs_is_refused(which: str) -> None:
    err = parse_error(PARSERS[which], BILLION_LAUGHS.replace("ROOT", ROOTS[which]))
    assert re.search(r"\bline \d+\b", str(err)), str(err)
    assert re.search(r"DOCTYPE|entit", str(err), re.IGNORECASE), str(err)


def test_billion_laughs_control_entities_expand_with_an_unsafe_parser() -> None:
    """Control: the small version really expands with an unsafe parser, so the attack is live."""
    small = BILLION_LAUGHS.replace("&lol9;", "&lol2;").replace("ROOT", "domain")
    root = unsafe_parse(small)
    assert root.findtext("name") == "lol" * 100


def test_doctype_error_names_the_line_of_the_doctype() -> None:
    """After an XML declaration the DOCTYPE sits on line 2; the message must not say line 1."""
    doc = '<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY x "y">]>\n<domain><name>&x;</name></domain>'
    err = parse_error(hearth.domain.parse, doc)
    assert_names_line(err, 2, "DOCTYPE")
    assert err.details.get("line") == 2


def test_external_file_entity_is_not_read(secret_file: Path) -> None:
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE domain [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
        "<domain type='kvm'><name>&xxe;</name></domain>"
    )
    assert MARKER in etree.tostring(unsafe_parse(doc), encoding="unicode")  # control: the attack is live
    err = parse_error(hearth.domain.parse, doc)
    assert re.search(r"\bline \d+\b", str(err)) and "DOCTYPE" in str(err), str(err)


def test_etc_passwd_entity_is_not_read() -> None:
    doc = (
        '<!DOCTYPE domain [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        "<domain type='kvm'><name>&xxe;</name><description>&xxe;</description></domain>"
    )
    err = parse_error(hearth.domain.parse, doc)
    assert "root:" not in str(err)
    assert_names_line(err, 1, "DOCTYPE")


def test_external_dtd_over_http_is_not_fetched(http_server: tuple[str, Recorder]) -> None:
    base, rec = http_server
    doc = (
        f'<?xml version="1.0"?>\n<!DOCTYPE domain SYSTEM "{base}/libvirt.dtd">\n'
        "<domain><name>&remote;</name></domain>"
    )
    for fn in PARSERS.values():
        with pytest.raises(XMLParseError):
            fn(doc)
    assert rec.requests == []
    # Control: the server is reachable and records requests, so an empty log means "not asked".
    with urllib.request.urlopen(f"{base}/probe.dtd", timeout=10) as resp:
        assert MARKER.encode() in resp.read()
    assert rec.requests == ["/probe.dtd"]


def test_external_entity_over_http_is_not_fetched(http_server: tuple[str, Recorder]) -> None:
    base, rec = http_server
    doc = (
        f'<!DOCTYPE domain [<!ENTITY remote SYSTEM "{base}/entity.xml">]>\n'
        "<domain type='kvm'><name>&remote;</name></domain>"
    )
    err = parse_error(hearth.domain.parse, doc)
    assert_names_line(err, 1, "DOCTYPE")
    assert rec.requests == []


def test_parameter_entities_are_not_expanded(http_server: tuple[str, Recorder], secret_file: Path) -> None:
    base, rec = http_server
    local_dtd = secret_file.parent / "evil.dtd"
    local_dtd.write_text(f'<!ENTITY stolen "{MARKER}">')
    doc = (
        "<!DOCTYPE domain [\n"
        f'  <!ENTITY % local SYSTEM "file://{local_dtd}">\n'
        f'  <!ENTITY % remote SYSTEM "{base}/param.dtd">\n'
        "  %local;\n  %remote;\n]>\n"
        "<domain type='kvm'><name>&stolen;</name></domain>"
    )
    # Control: with an unsafe parser the local parameter entity pulls the marker in.
    assert MARKER in (unsafe_parse(doc.replace("  %remote;\n", "")).findtext("name") or "")
    err = parse_error(hearth.domain.parse, doc)
    assert re.search(r"\bline \d+\b", str(err)), str(err)
    assert rec.requests == []


class FifoWatch:
    """A FIFO whose writer end tells us whether anybody opened it for reading.

    A parser that opens a file named in a DOCTYPE will open this FIFO; without the writer
    it would block forever, which is the denial of service this guards against.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        os.mkfifo(path)
        self.opened = threading.Event()
        self._done = False
        self._thread = threading.Thread(target=self._write, daemon=True)
        self._thread.start()

    def _write(self) -> None:
        with open(self.path, "w") as fifo:  # returns once a reader opens the FIFO
            if not self._done:
                self.opened.set()
            fifo.write(f'<!ENTITY stolen "{MARKER}">')

    def close(self) -> None:
        self._done = True
        fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)  # release the writer if nobody did
        self._thread.join(timeout=15)
        os.close(fd)


@pytest.mark.parametrize(
    "template",
    [
        '<!DOCTYPE domain SYSTEM "file://{path}">\n<domain type="kvm"/>',
        '<!DOCTYPE domain [<!ENTITY % p SYSTEM "file://{path}"> %p;]>\n<domain type="kvm"/>',
        '<!DOCTYPE domain [<!ENTITY e SYSTEM "file://{path}">]>\n<domain><name>&e;</name></domain>',
    ],
    ids=["external-dtd", "parameter-entity", "general-entity"],
)
def test_no_local_file_named_in_a_doctype_is_opened(tmp_path: Path, template: str) -> None:
    """Refusing the DOCTYPE after parsing is too late if the parser already opened the file."""
    watch = FifoWatch(tmp_path / "probe.fifo")
    try:
        with pytest.raises(XMLParseError):
            hearth.domain.parse(template.format(path=watch.path))
    finally:
        watch.close()
    assert not watch.opened.is_set(), "the parser opened a local file named by the document"


def test_existence_of_local_files_does_not_show_in_the_error(tmp_path: Path) -> None:
    """The same hostile document naming an existing and a missing file must fail the same way."""
    present = tmp_path / "present.dtd"
    present.write_text("root:x:0:0:root:/root:/bin/bash\n")  # any non-DTD file, like /etc/passwd
    messages = []
    for path in (present, tmp_path / "missing.dtd"):
        err = parse_error(hearth.domain.parse, f'<!DOCTYPE domain SYSTEM "file://{path}">\n<domain/>')
        messages.append(str(err))
    assert messages[0] == messages[1]


def test_parameter_entity_on_dev_zero_does_not_hang() -> None:
    """``%p;`` pointing at /dev/zero must be refused, not read forever.

    Run in a child process so a hang fails this test instead of the whole session; the bound
    is a liveness guard far above the milliseconds the refusal takes.
    """
    code = (
        "from hearth.domain import parse\n"
        "from hearth.domain.xmlio import XMLParseError\n"
        "doc = '<!DOCTYPE domain [<!ENTITY % p SYSTEM \"file:///dev/zero\"> %p;]>\\n<domain/>'\n"
        "try:\n    parse(doc)\nexcept XMLParseError as e:\n    print('refused:', e)\n"
    )
    try:
        res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=15)
    except subprocess.TimeoutExpired:
        pytest.fail("parsing a parameter entity that points at /dev/zero never returned")
    assert res.returncode == 0, res.stderr
    assert res.stdout.startswith("refused:")


def test_xinclude_is_neither_processed_nor_lost(http_server: tuple[str, Recorder], secret_file: Path) -> None:
    """XInclude is just an unknown namespaced element to us: kept verbatim, never followed."""
    base, rec = http_server
    doc = (
        "<domain type='kvm' xmlns:xi='http://www.w3.org/2001/XInclude'>\n"
        "  <name>xi</name>\n"
        f"  <description><xi:include href='file://{secret_file}' parse='text'/></description>\n"
        "  <devices>\n"
        f"    <xi:include href='{base}/devices.xml'/>\n"
        "  </devices>\n"
        "</domain>"
    )
    control = etree.fromstring(doc.replace(f"<xi:include href='{base}/devices.xml'/>", "").encode())
    control.getroottree().xinclude()  # control: libxml2 would inline the local file
    assert MARKER in etree.tostring(control, encoding="unicode")
    dom = hearth.domain.parse(doc)
    out = dom.to_xml(pretty=False)
    assert MARKER not in out
    assert out.count("XInclude") == 1 and out.count("xi:include") == 2
    assert_same_document(canonical(doc), canonical(out))
    assert rec.requests == []


# ---- size and depth ---------------------------------------------------------------------------


def _padded(total: int) -> bytes:
    head = b"<domain type='kvm'><name>big</name><description>"
    tail = b"</description></domain>"
    return head + b"x" * (total - len(head) - len(tail)) + tail


def test_document_at_the_size_limit_parses() -> None:
    data = _padded(MAX_XML_BYTES)
    assert len(data) == MAX_XML_BYTES
    assert hearth.domain.parse(data).name == "big"


@pytest.mark.parametrize("which", list(PARSERS))
def test_oversize_document_is_refused_before_parsing(which: str) -> None:
    err = parse_error(PARSERS[which], _padded(MAX_XML_BYTES + 1))
    msg = str(err)
    assert str(MAX_XML_BYTES) in msg and "limit" in msg


def test_size_limit_counts_utf8_bytes_not_characters() -> None:
    snowmen = "\u2603" * (MAX_XML_BYTES // 3 + 10)
    text = f"<domain><name>{snowmen}</name></domain>"
    assert len(text) < MAX_XML_BYTES < len(text.encode())
    err = parse_error(hearth.domain.parse, text)
    assert "limit" in str(err)


def test_deep_nesting_is_refused() -> None:
    depth = 5000
    doc = "<domain>\n<metadata>\n" + "<a>" * depth + "</a>" * depth + "\n</metadata>\n</domain>"
    err = parse_error(hearth.domain.parse, doc)
    assert_names_line(err, 3, "depth")


def test_moderate_nesting_in_metadata_is_fine() -> None:
    doc = "<domain><metadata><x:a xmlns:x='urn:x'>" + "<x:a>" * 100 + "</x:a>" * 101 + "</metadata></domain>"
    out = hearth.domain.parse(doc).to_xml(pretty=False)
    assert_same_document(canonical(doc), canonical(out))


# ---- malformed documents ----------------------------------------------------------------------

MALFORMED: dict[str, tuple[str | bytes, int, str]] = {
    "unclosed-tag": ("<domain type='kvm'>\n  <name>x</name>\n  <devices>\n</domain>\n", 4, "tag mismatch"),
    "unquoted-attribute": ("<domain>\n<name>x</name>\n<vcpu mode=static>1</vcpu>\n</domain>", 3, "AttValue"),
    "duplicate-attribute": ("<domain type='kvm'\n type='xen'>\n</domain>", 2, "redefined"),
    "undefined-entity": ("<domain>\n<name>&nbsp;</name>\n</domain>", 2, "nbsp"),
    "bad-name": ("<domain>\n<1name>x</1name>\n</domain>", 2, ""),
    "two-roots": ("<domain/>\n<domain/>\n", 2, "extra content"),
    "truncated": ("<domain type='kvm'>\n<name>x</name>\n<devi", 3, ""),
    "text-only": ("just some words\n", 1, ""),
    "garbage-bytes": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", 1, ""),
    "lone-ampersand": ("<domain>\n<description>fish & chips</description>\n</domain>", 2, ""),
}  # fmt: skip


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_document_names_line_and_problem(case: str) -> None:
    doc, line, word = MALFORMED[case]
    err = parse_error(hearth.domain.parse, doc)
    assert_names_line(err, line, *([word] if word else []))
    assert err.details.get("line") == line
    assert err.__cause__ is None and err.__suppress_context__


@pytest.mark.parametrize("which", ["Domain", "Network", "StoragePool", "StorageVolume"])
def test_wrong_root_element_is_named(which: str) -> None:
    doc = "<?xml version='1.0'?>\n<capabilities>\n<host/>\n</capabilities>"
    err = parse_error(PARSERS[which], doc)
    msg = str(err)
    assert "capabilities" in msg and f"<{ROOTS[which]}>" in msg
    assert_names_line(err, 2)


@pytest.mark.parametrize(
    "doc", ["", b"", "   \n\t", "<!-- only a comment -->"], ids=["str", "bytes", "blank", "comment"]
)
def test_empty_document(doc: str | bytes) -> None:
    err = parse_error(hearth.domain.parse, doc)
    assert "line" in str(err) or "empty" in str(err).lower()


def test_invalid_utf8_is_refused_with_line() -> None:
    doc = b'<?xml version="1.0" encoding="UTF-8"?>\n<domain>\n<name>caf\xe9</name>\n</domain>'
    err = parse_error(hearth.domain.parse, doc)
    assert_names_line(err, 3, "encoding")


def test_latin1_bytes_with_declaration_are_decoded() -> None:
    doc = "<?xml version='1.0' encoding='ISO-8859-1'?>\n<domain><name>caf\xe9</name></domain>".encode(
        "latin-1"
    )
    dom = hearth.domain.parse(doc)
    assert dom.name == "caf\xe9"
    assert "caf\xe9" in dom.to_xml()


def test_utf16_bytes_with_bom_are_decoded() -> None:
    doc = "<?xml version='1.0' encoding='UTF-16'?>\n<domain><name>\u00e9t\u00e9</name></domain>".encode(
        "utf-16"
    )
    assert hearth.domain.parse(doc).name == "\u00e9t\u00e9"


def test_str_with_stale_encoding_declaration_is_not_garbled() -> None:
    """A Python str is already decoded: its declaration must not make us decode it a second time."""
    doc = "<?xml version='1.0' encoding='ISO-8859-1'?>\n<domain><name>caf\xe9</name></domain>"
    try:
        name = hearth.domain.parse(doc).name
    except XMLParseError as err:  # refusing it clearly is acceptable too
        assert_names_line(err, 1, "encoding")
    else:
        assert name == "caf\xe9", f"mojibake: {name!r}"


def test_unknown_declared_encoding_is_refused() -> None:
    doc = b"<?xml version='1.0' encoding='X-NO-SUCH-CHARSET'?>\n<domain/>"
    err = parse_error(hearth.domain.parse, doc)
    assert "line" in str(err)


# ---- property test: random libvirt-like trees are kept exactly --------------------------------

ELEMENTS = [
    "name", "memory", "vcpu", "os", "type", "boot", "devices", "disk", "source", "target", "driver",
    "interface", "model", "mac", "address", "features", "acpi", "cpu", "feature", "clock", "timer",
    "metadata", "controller", "graphics", "listen", "video", "serial", "console", "rng", "backend",
]  # fmt: skip
ATTRS = ["type", "dev", "bus", "name", "mode", "unit", "file", "index", "port", "policy", "state"]
NAMESPACES = {"v": "http://example.com/xmlns/vendor/1", "q": "http://libvirt.org/schemas/domain/qemu/1.0"}

xml_chars = st.characters(
    codec="utf-8",
    exclude_categories=("Cs", "Cc"),
    exclude_characters="\ufffe\uffff",
) | st.sampled_from(["&", "<", ">", '"', "'", "]]>", "\t", "\n", " "])
texts = st.lists(xml_chars, max_size=12).map("".join)
attr_maps = st.dictionaries(st.sampled_from(ATTRS), texts, max_size=3)


@st.composite
def element(draw: st.DrawFn, depth: int = 0) -> etree._Element:
    prefix = draw(st.sampled_from([None, None, None, "v", "q"]))
    local = draw(st.sampled_from(ELEMENTS))
    tag = f"{{{NAMESPACES[prefix]}}}{local}" if prefix else local
    el = etree.Element(tag, nsmap={prefix: NAMESPACES[prefix]} if prefix else None)
    for key, value in draw(attr_maps).items():
        el.set(key, value)
    el.text = draw(st.none() | texts)
    if depth < 4:
        for _ in range(draw(st.integers(0, 4))):
            kind = draw(st.sampled_from(["el", "el", "el", "comment", "pi"]))
            if kind == "el":
                child = draw(element(depth + 1))
            elif kind == "comment":
                body = draw(texts).replace("--", "- -").rstrip("-")
                child = etree.Comment(body)
            else:
                child = etree.ProcessingInstruction("hearth", draw(texts).replace("?>", "? >"))
            child.tail = draw(st.none() | texts)
            el.append(child)
    return el


@st.composite
def domain_tree(draw: st.DrawFn) -> str:
    root = etree.Element("domain")
    root.set("type", draw(st.sampled_from(["kvm", "qemu", "xen", "lxc"])))
    for _ in range(draw(st.integers(0, 6))):
        root.append(draw(element(1)))
    return etree.tostring(root, encoding="unicode")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(domain_tree())
def test_random_libvirt_like_trees_roundtrip(doc: str) -> None:
    dom = hearth.domain.parse(doc)
    expected = canonical(doc)
    compact = dom.to_xml(pretty=False)
    assert_same_document(expected, canonical(compact))
    # Reading typed views over arbitrary content may refuse a value, but must never alter the tree.
    for read in (
        lambda: dom.name,
        lambda: dom.memory_kib,
        lambda: dom.vcpus,
        lambda: [d.source_path for d in dom.devices.disks],
        lambda: [(i.type, i.mac, i.model) for i in dom.devices.interfaces],
        lambda: (dom.os.type, dom.os.arch, [b.dev for b in dom.os.boot_devices]),
        lambda: (dom.cpu.mode, [f.name for f in dom.cpu.features], dom.clock.offset),
        lambda: (dom.features.acpi, dom.features.smm_state),
    ):
        with contextlib.suppress(ValidationError):
            read()
    assert dom.to_xml(pretty=False) == compact
    assert_same_document(expected, canonical(dom.to_xml(pretty=True)))
