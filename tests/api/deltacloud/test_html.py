"""/api in a plain browser: every link followable, a create form on each collection, actions as
buttons, deletes as ``_method=delete`` form posts, and where a browser lands after each post.

These drive the pages as a browser does (read the form, post what it would send, follow the
redirect) over plain HTTP; test_html_browser.py does the same in a real Chromium.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest

from hearth.api.deltacloud.document import Document, Node
from hearth.api.deltacloud.form import Page
from hearth.api.deltacloud.page import render_page

from ..conftest import DEMO, Running
from .pages import FormSeen, PageSeen

_names = itertools.count()


@pytest.fixture
def browser(server: Running) -> Iterator[httpx.Client]:
    """A client that asks for HTML as a browser does and does not follow redirects by itself."""
    headers = {"accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
    with httpx.Client(base_url=server.url, auth=DEMO, timeout=30, headers=headers) as c:
        yield c


def _page(r: httpx.Response, status: int = 200) -> PageSeen:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "text/html", r.headers
    seen = PageSeen(r.text)
    assert seen.scripts == 0, r.text  # no JavaScript, and nothing a name could smuggle in
    return seen


def _submit(c: httpx.Client, form: FormSeen, **values: str) -> httpx.Response:
    """What a browser sends for ``form`` with ``values`` typed in."""
    assert form.method == "post" and form.enctype == "application/x-www-form-urlencoded", form
    return c.post(form.action, data={**form.fields, **values})


def _landed(r: httpx.Response, server: Running, path: str) -> None:
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"{server.url}{path}", r.headers


def _wait_form(c: httpx.Client, href: str, action: str) -> FormSeen:
    """The form posting to ``action`` that ``href``'s page offers once the state allows it."""
    deadline = time.monotonic() + 10
    while True:
        found = [f for f in _page(c.get(href)).forms if f.action == action]
        if found:
            return found[0]
        assert time.monotonic() < deadline, f"{href} never offered {action}"
        time.sleep(0.02)


def _wait_running(c: httpx.Client, href: str) -> FormSeen:
    return _wait_form(c, href, f"{href}/stop")


def test_every_link_from_the_entry_point_is_a_page_that_answers(
    browser: httpx.Client, server: Running
) -> None:
    """A crawl from /api over every link the pages hold, to two levels below each collection."""
    seen: set[str] = set()
    frontier = [f"{server.url}/api"]
    for _ in range(3):
        following = []
        for url in frontier:
            if url in seen:
                continue
            seen.add(url)
            r = browser.get(url)
            assert r.status_code == 200, (url, r.text)
            if r.headers["content-type"] != "text/html":
                continue  # a blob's bytes, a page's XML or JSON
            for link in _page(r).links:
                absolute = urljoin(url, link)
                assert absolute.startswith(f"{server.url}/api"), (url, link)
                following.append(absolute)
        frontier = following
    formats = {parse_qs(urlsplit(u).query).get("format", [""])[0] for u in seen}
    assert {"xml", "json"} <= formats  # each page links its own XML and JSON
    paths = {urlsplit(u).path for u in seen}
    assert {"/api/instances", "/api/keys", "/api/images", "/api/realms", "/api/buckets"} <= paths
    assert "/api/images/debian-12" in paths and "/api/realms/local" in paths


def test_a_page_asked_for_by_format_keeps_it_in_every_link_and_form(server: Running) -> None:
    with httpx.Client(base_url=server.url, auth=DEMO, headers={"accept": ""}) as c:
        page = _page(c.get("/api/instances", params={"format": "html"}))
        entry = _page(c.get("/api", params={"format": "html"}))
    links = [link for link in page.links + entry.links if "format=" not in link or "format=html" in link]
    assert links and all(link.endswith("?format=html") for link in links)
    assert "/api/instances?format=xml" in page.links and "/api?format=json" in entry.links
    assert page.forms and all(f.action.endswith("?format=html") for f in page.forms)


def test_the_instance_form_offers_images_profiles_realms_and_keys_as_choices(browser: httpx.Client) -> None:
    form = _page(browser.get("/api/instances")).form("Create instance")
    assert "debian-12" in form.choices["image_id"]
    assert "small" in form.choices["hwp_id"] and "" in form.choices["hwp_id"]
    assert "local" in form.choices["realm_id"]
    assert "keyname" in form.choices and "name" in form.fields


def test_an_instance_is_created_stopped_and_destroyed_with_its_page_s_forms(
    browser: httpx.Client, server: Running
) -> None:
    form = _page(browser.get("/api/instances")).form("Create instance")
    name = f"html-{next(_names)}"
    made = browser.post(form.action, data={**form.fields, "image_id": "debian-12", "name": name})
    shown = _page(made, 201)  # Deltacloud's answer: the new instance's page, with Location
    href = made.headers["location"]
    assert name in made.text and href.startswith(f"{server.url}/api/instances/")
    assert any(link.endswith("/api/images/debian-12") for link in shown.links)
    stop = _wait_running(browser, href)
    stopped = _submit(browser, stop)
    assert "STOP" in stopped.text and _page(stopped, 202)  # the instance's page, as Deltacloud's
    destroy = _wait_form(browser, href, f"{href}/destroy")
    _landed(_submit(browser, destroy), server, "/api/instances")
    listed = browser.get("/api/instances", headers={"accept": "application/xml"}).text
    assert f'id="{href.rsplit("/", 1)[1]}"' not in listed or "FINISHED" in listed


def test_a_delete_form_post_destroys_an_instance_as_delete_does(
    browser: httpx.Client, server: Running
) -> None:
    made = browser.post("/api/instances", data={"image_id": "debian-12"})
    href = made.headers["location"]
    _wait_running(browser, href)
    browser.post(f"{href}/stop")
    deadline = time.monotonic() + 10
    while True:
        r = browser.post(href, data={"_method": "delete"})
        if r.status_code != 405:
            break
        assert time.monotonic() < deadline, r.text
        time.sleep(0.02)
    _landed(r, server, "/api/instances")


def test_a_key_is_created_shown_once_with_its_private_key_and_deleted(
    browser: httpx.Client, server: Running
) -> None:
    form = _page(browser.get("/api/keys")).form("Create key")
    name = f"html-key-{next(_names)}"
    made = _submit(browser, form, name=name)
    page = _page(made, 201)
    assert "PRIVATE KEY" in made.text and name in made.text
    href = made.headers["location"]
    destroy = page.form("Destroy")
    assert destroy.action == href and destroy.fields == {"_method": "delete"}
    _landed(_submit(browser, destroy), server, "/api/keys")
    assert browser.get(href).status_code == 404


def test_the_override_is_only_a_form_s_and_only_to_delete(browser: httpx.Client) -> None:
    made = browser.post("/api/keys", data={"name": f"html-key-{next(_names)}"})
    href = made.headers["location"]
    assert browser.get(href, params={"_method": "delete"}).status_code == 200
    assert browser.post(href, params={"_method": "delete"}).status_code == 405  # query, not form
    assert browser.post(href, data={"_method": "put"}).status_code == 405
    assert browser.get(href).status_code == 200
    xml = browser.post(href, data={"_method": "delete"}, headers={"accept": "application/xml"})
    assert xml.status_code == 204  # Rack overrode for every client; only the HTML one is sent on


def test_volumes_are_created_attached_detached_and_deleted_from_their_pages(
    browser: httpx.Client, server: Running
) -> None:
    instance = browser.post("/api/instances", data={"image_id": "debian-12"}).headers["location"]
    _wait_running(browser, instance)
    form = _page(browser.get("/api/storage_volumes")).form("Create volume")
    assert form.fields["capacity"] == "1" and "local" in form.choices["realm_id"]
    made = _submit(browser, form, name=f"html-vol-{next(_names)}")
    _page(made, 201)
    href = made.headers["location"]
    path = urlsplit(href).path
    attach = _page(browser.get(href)).form("Attach")
    assert instance.rsplit("/", 1)[1] in attach.choices["instance_id"] and attach.fields["device"] == "vdb"
    _landed(_submit(browser, attach, instance_id=instance.rsplit("/", 1)[1]), server, path)
    assert "IN-USE" in browser.get(href).text
    _landed(_submit(browser, _page(browser.get(href)).form("Detach")), server, path)
    destroy = _page(browser.get(href)).form("Destroy")
    _landed(_submit(browser, destroy), server, "/api/storage_volumes")
    assert browser.get(href).status_code == 404


def test_a_snapshot_is_taken_and_deleted_from_its_pages(browser: httpx.Client, server: Running) -> None:
    volume = browser.post("/api/storage_volumes", data={"capacity": "1"}).headers["location"]
    vol_id = volume.rsplit("/", 1)[1]
    form = _page(browser.get("/api/storage_snapshots")).form("Create snapshot")
    assert vol_id in form.choices["volume_id"]
    made = _submit(browser, form, volume_id=vol_id)
    _page(made, 201)
    href = made.headers["location"]
    _landed(
        _submit(browser, _page(browser.get(href)).form("Delete snapshot")), server, "/api/storage_snapshots"
    )


def test_a_bucket_and_a_blob_are_made_and_removed_from_their_pages(
    browser: httpx.Client, server: Running
) -> None:
    name = f"html-bucket-{next(_names)}"
    form = _page(browser.get("/api/buckets")).form("Create bucket")
    _landed(_submit(browser, form, name=name), server, f"/api/buckets/{name}")
    upload = _page(browser.get(f"/api/buckets/{name}")).form("Upload blob")
    assert upload.enctype == "multipart/form-data" and "blob_data" in upload.fields
    fields = {**upload.fields, "blob_id": "notes.txt", "meta_name1": "colour", "meta_value1": "<b>blue</b>"}
    files = {"blob_data": ("notes.txt", b"hello", "text/plain")}
    fields.pop("blob_data")
    made = browser.post(upload.action, data=fields, files=files)
    page = _page(made, 201)
    assert "&lt;b&gt;blue&lt;/b&gt;" in made.text and "<b>blue" not in made.text
    content = [link for link in page.links if link.endswith("/notes.txt/content")]
    assert content and browser.get(content[0]).content == b"hello"
    blob = _page(browser.get(f"/api/buckets/{name}/notes.txt")).form("Delete blob")
    _landed(_submit(browser, blob), server, f"/api/buckets/{name}")
    bucket = _page(browser.get(f"/api/buckets/{name}")).form("Delete bucket")
    _landed(_submit(browser, bucket), server, "/api/buckets")
    assert browser.get(f"/api/buckets/{name}").status_code == 404


def test_markup_in_what_a_client_sent_is_shown_as_text(browser: httpx.Client) -> None:
    evil = "<script>alert(1)</script>"
    r = browser.post("/api/keys", data={evil: "x"})  # the 400 names the parameters that came
    _page(r, 400)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text and evil not in r.text
    tag = "<img src=x onerror='alert(1)'>"  # in a path: the 404 page shows it
    r = browser.get(f"/api/instances/{tag}", params={"q": tag})
    _page(r, 404)
    assert "<img" not in r.text


def test_a_post_that_fails_shows_the_error_as_a_page(browser: httpx.Client) -> None:
    r = browser.post("/api/instances", data={"image_id": "no-such-image"})
    _page(r, 404)
    assert "no-such-image" in r.text


def test_the_page_escapes_text_attributes_and_links_of_the_tree() -> None:
    """Straight from a tree: text, attribute values and hrefs that try to close their quotes."""
    root = Node("instance", {"href": "http://h/api/instances/x'><script>1</script>", "id": "x"})
    root.add("name", "<script>alert(1)</script>")
    root.add("realm", href='http://h/api/realms/r"onclick="1', id="r")
    root.add("actions").add("link", href="http://h/api/instances/x/stop", method="post", rel="st'op")
    text = render_page(Document(root, {}, "<b>title</b>", Page(home="http://h/api"))).decode()
    seen = PageSeen(text)
    assert seen.scripts == 0 and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "http://h/api/instances/x'><script>1</script>" in seen.links
    assert [f.action for f in seen.forms] == ["http://h/api/instances/x/stop"]


def test_an_image_s_launch_link_opens_the_instance_form_with_that_image_chosen(browser: httpx.Client) -> None:
    page = _page(browser.get("/api/images/fedora-40"))
    (launch,) = [link for link in page.links if ";image_id=fedora-40" in link]
    form = _page(browser.get(launch)).form("Create instance")
    assert form.fields["image_id"] == "fedora-40"
    assert {"hwp_memory", "hwp_cpu", "hwp_storage"} <= set(form.fields)


def test_the_state_machine_page_is_public_and_shows_its_picture(server: Running) -> None:
    with httpx.Client(base_url=server.url, headers={"accept": "text/html"}) as anonymous:
        r = anonymous.get("/api/instance_states")
        _page(r)
        assert f"<img src='{server.url}/api/instance_states?format=png'" in r.text
        picture = anonymous.get("/api/instance_states", params={"format": "png"})
    assert picture.status_code == 200 and picture.content.startswith(b"\x89PNG")
