"""Microsoft's Python Graph SDK (msgraph-sdk) against a Graph-compatible service.

Usage: graph_calls.py BASE_URL     (BASE_URL without /v1.0, e.g. http://127.0.0.1:8080)

Prints one JSON line per call on stdout, in a fixed order:
    {"call": NAME, "ok": BOOL, "detail": STR}
and timings on stderr. Exit status 0 when every call is ok, 1 when one is not,
2 on bad usage. tests/sdk.rs runs it against the built-in mock (issue #16).

Decisions, and why:
- The SDK as an application uses it: GraphServiceClient on GraphRequestAdapter
  with the middleware GraphRequestAdapter installs by default (msgraph's own
  options: retry, redirect, the /me rewrite, telemetry), kiota's
  AnonymousAuthenticationProvider, and the adapter's base_url set to
  BASE_URL/v1.0. Nothing is patched inside the SDK. (Its telemetry adds
  client-request-id only for Graph's own hosts, so the header check sends one
  itself; its typed $batch accessor cannot read JSON bodies, so the batch
  call parses them with the SDK's parse node: see batch_body.)
- One transport under the SDK's middleware records every request (method,
  URL, the headers a Graph service routes on) and its answer (status, a piece
  of the body), per call (a ContextVar per task), so a failure says what the
  SDK asked for and what the service answered.
- The same transport refuses any host but BASE_URL's: an @odata.nextLink or
  a batch item pointing at graph.microsoft.com must fail the call, never
  leave the machine.
- Each call asserts typed fields of what the SDK deserialized (str, datetime,
  int, enum, list lengths for $top, the status of POST/PATCH/DELETE), not
  just "no exception". Ids come from the service's own answers (the first of
  a list), as an application would get them.
- Calls run concurrently (asyncio.gather), each bounded by CALL_TIMEOUT; the
  page iterators are bounded by MAX_PAGES so a paging loop fails, not hangs.
  Measured: importing msgraph takes 0.1-0.4 s (its builders load lazily); the
  44 calls 1.5-6 s, mostly those lazy imports, against a debug-build mock.
"""

from __future__ import annotations

import asyncio
import contextvars
import datetime
import json
import sys
import time
from urllib.parse import urlsplit

T0 = time.monotonic()

import httpx  # noqa: E402
from kiota_abstractions.authentication import AnonymousAuthenticationProvider  # noqa: E402
from kiota_abstractions.base_request_configuration import RequestConfiguration  # noqa: E402
from msgraph import GraphRequestAdapter, GraphServiceClient  # noqa: E402
from msgraph.graph_request_adapter import options as SDK_OPTIONS  # noqa: E402
from msgraph_core import GraphClientFactory  # noqa: E402

IMPORT_SECONDS = time.monotonic() - T0

CALL_TIMEOUT = 15.0
MAX_PAGES = 20
BODY_SNIPPET = 300
FULL_BODY = 1 << 20
ROUTING_HEADERS = ("accept", "consistencylevel", "content-type", "prefer")

# The requests of the call running in the current task.
LOG: contextvars.ContextVar[list] = contextvars.ContextVar("LOG")


class Recorder(httpx.AsyncBaseTransport):
    """The innermost transport: records each exchange, refuses other hosts."""

    def __init__(self, base: str):
        parts = urlsplit(base)
        self.netloc = (parts.hostname, parts.port)
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        entry = {
            "method": request.method,
            "url": str(request.url),
            "headers": {h: request.headers[h] for h in ROUTING_HEADERS if h in request.headers},
            "request": request,
        }
        try:
            entry["sent"] = request.content[:BODY_SNIPPET].decode("utf-8", "replace")
        except httpx.RequestNotRead:  # a streamed body: not shown
            entry["sent"] = ""
        log = LOG.get(None)
        if log is not None:
            log.append(entry)
        if (request.url.host, request.url.port) != self.netloc:
            entry["status"] = "refused"
            raise httpx.ConnectError(
                f"refused to leave the service under test: the SDK asked for {request.url}"
            )
        response = await self.inner.handle_async_request(request)
        raw = b"".join([chunk async for chunk in response.aiter_raw()])
        await response.aclose()
        entry["status"] = response.status_code
        entry["response_headers"] = response.headers
        try:
            decoded = httpx.Response(200, headers=response.headers, content=raw).content
        except Exception:  # a broken encoding: show the raw bytes
            decoded = raw
        entry["body"] = decoded[:BODY_SNIPPET].decode("utf-8", "replace")
        entry["whole"] = decoded[:FULL_BODY]
        return httpx.Response(
            response.status_code,
            headers=response.headers,
            content=raw,
            extensions=response.extensions,
            request=request,
        )

    async def aclose(self) -> None:
        await self.inner.aclose()


class Failed(Exception):
    """An assertion about what the SDK returned."""


def check(cond, what: str) -> None:
    if not cond:
        raise Failed(what)


def text(value, what: str) -> str:
    check(isinstance(value, str) and value != "", f"{what} is {value!r}, expected a non-empty str")
    return value


def instance(value, cls, what: str):
    check(isinstance(value, cls), f"{what} is {type(value).__name__} {value!r:.80}, expected {cls.__name__}")
    return value


def items(page, cls, what: str, at_least: int = 1) -> list:
    """page.value as a list of cls, at least `at_least` long."""
    check(page is not None, f"{what}: the SDK returned None")
    value = page.value
    check(isinstance(value, list), f"{what}.value is {type(value).__name__}, expected a list")
    check(len(value) >= at_least, f"{what}.value has {len(value)} items, expected at least {at_least}")
    for i, item in enumerate(value):
        instance(item, cls, f"{what}.value[{i}]")
    return value


def status_of(method: str) -> int | str | None:
    """The status of the last `method` request of this call."""
    for entry in reversed(LOG.get()):
        if entry["method"] == method:
            return entry.get("status")
    return None


def headers(**pairs) -> RequestConfiguration:
    config = RequestConfiguration()
    for k, v in pairs.items():
        config.headers.add(k.replace("_", "-"), v)
    return config


def query(builder_cls, name: str, eventual: bool = False, **params) -> RequestConfiguration:
    """A request configuration with the builder's GET query parameters."""
    qp = getattr(builder_cls, name)(**params)
    config = RequestConfiguration(query_parameters=qp)
    if eventual:
        config.headers.add("ConsistencyLevel", "eventual")
    return config


# ------------------------------------------------------------------ calls

CALLS = []


def call(fn):
    CALLS.append(fn)
    return fn


@call
async def me_get(c, base):
    from msgraph.generated.models.user import User

    u = instance(await c.me.get(), User, "me")
    text(u.id, "me.id")
    name = text(u.display_name, "me.display_name")
    text(u.user_principal_name, "me.user_principal_name")
    instance(u.business_phones, list, "me.business_phones")
    return f"display_name={name!r}"


@call
async def me_select(c, base):
    from msgraph.generated.users.item.user_item_request_builder import UserItemRequestBuilder as B

    u = await c.me.get(query(B, "UserItemRequestBuilderGetQueryParameters", select=["displayName", "mail"]))
    text(u.display_name, "me.display_name")
    check(u.job_title is None and u.surname is None,
          f"$select=displayName,mail, yet job_title={u.job_title!r} surname={u.surname!r}")
    return f"display_name={u.display_name!r}, unselected properties absent"


@call
async def response_headers(c, base):
    import uuid

    # The SDK's telemetry middleware adds client-request-id only for Graph's
    # own hosts: here the application sends it, as a caller tracing requests does.
    sent = str(uuid.uuid4())
    await c.me.get(headers(client_request_id=sent))
    entry = LOG.get()[-1]
    check(entry["request"].headers.get("client-request-id") == sent, "client-request-id was not sent")
    got = entry.get("response_headers") or {}
    check("request-id" in got, f"no request-id header in the answer (headers: {sorted(got.keys())})")
    check(got.get("client-request-id") == sent,
          f"client-request-id sent {sent!r}, echoed {got.get('client-request-id')!r}")
    ctype = got.get("content-type", "")
    check(ctype.startswith("application/json"), f"content-type {ctype!r}")
    return f"request-id={got.get('request-id')!r}, client-request-id echoed"


@call
async def users_list(c, base):
    from msgraph.generated.models.user import User

    users = items(await c.users.get(), User, "users")
    for i, u in enumerate(users):
        text(u.id, f"users[{i}].id")
    return f"{len(users)} users"


@call
async def users_top(c, base):
    from msgraph.generated.models.user import User
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder as B

    page = await c.users.get(query(B, "UsersRequestBuilderGetQueryParameters", top=1))
    users = items(page, User, "users?$top=1")
    check(len(users) <= 1, f"$top=1 returned {len(users)} users")
    return f"{len(users)} user, nextLink={page.odata_next_link!r}"


@call
async def users_select_top(c, base):
    from msgraph.generated.models.user import User
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder as B

    page = await c.users.get(
        query(B, "UsersRequestBuilderGetQueryParameters", top=2, select=["id", "displayName"])
    )
    users = items(page, User, "users?$top=2&$select=id,displayName")
    check(len(users) <= 2, f"$top=2 returned {len(users)} users")
    for i, u in enumerate(users):
        text(u.id, f"users[{i}].id")
        check(u.mail is None and u.job_title is None,
              f"users[{i}]: $select=id,displayName, yet mail={u.mail!r} job_title={u.job_title!r}")
    return f"{len(users)} users, unselected properties absent"


@call
async def users_filter(c, base):
    from msgraph.generated.models.user import User
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder as B

    first = items(await c.users.get(), User, "users")[0]
    uid = text(first.id, "users[0].id")
    page = await c.users.get(query(B, "UsersRequestBuilderGetQueryParameters", filter=f"id eq '{uid}'"))
    users = items(page, User, f"users?$filter=id eq '{uid}'")
    check(all(u.id == uid for u in users), f"$filter=id eq '{uid}' returned ids {[u.id for u in users]}")
    return f"{len(users)} user with id {uid}"


@call
async def users_count_param(c, base):
    from msgraph.generated.models.user import User
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder as B

    page = await c.users.get(query(B, "UsersRequestBuilderGetQueryParameters", eventual=True, count=True))
    users = items(page, User, "users?$count=true", at_least=0)
    n = instance(page.odata_count, int, "users?$count=true @odata.count")
    check(n >= len(users), f"@odata.count {n} < {len(users)} items on the page")
    return f"@odata.count={n}"


@call
async def users_count_segment(c, base):
    n = await c.users.count.get(headers(ConsistencyLevel="eventual"))
    instance(n, int, "users/$count")
    check(n >= 0, f"users/$count = {n}")
    return f"users/$count={n}"


@call
async def user_by_id(c, base):
    from msgraph.generated.models.user import User

    first = items(await c.users.get(), User, "users")[0]
    u = instance(await c.users.by_user_id(text(first.id, "users[0].id")).get(), User, "users/{id}")
    text(u.id, "user.id")
    name = text(u.display_name, "user.display_name")
    return f"display_name={name!r}"


@call
async def groups_list(c, base):
    from msgraph.generated.models.group import Group

    groups = items(await c.groups.get(), Group, "groups")
    for i, g in enumerate(groups):
        text(g.id, f"groups[{i}].id")
        text(g.display_name, f"groups[{i}].display_name")
    return f"{len(groups)} groups"


@call
async def group_get(c, base):
    from msgraph.generated.models.group import Group

    first = items(await c.groups.get(), Group, "groups")[0]
    g = instance(await c.groups.by_group_id(text(first.id, "groups[0].id")).get(), Group, "groups/{id}")
    text(g.display_name, "group.display_name")
    instance(g.created_date_time, datetime.datetime, "group.created_date_time")
    return f"display_name={g.display_name!r}"


@call
async def group_members(c, base):
    from msgraph.generated.models.directory_object import DirectoryObject
    from msgraph.generated.models.group import Group

    first = items(await c.groups.get(), Group, "groups")[0]
    page = await c.groups.by_group_id(text(first.id, "groups[0].id")).members.get()
    members = items(page, DirectoryObject, "groups/{id}/members")
    for i, m in enumerate(members):
        text(m.id, f"members[{i}].id")
    return f"{len(members)} members ({', '.join(type(m).__name__ for m in members)})"


@call
async def groups_count(c, base):
    n = await c.groups.count.get(headers(ConsistencyLevel="eventual"))
    instance(n, int, "groups/$count")
    check(n >= 0, f"groups/$count = {n}")
    return f"groups/$count={n}"


@call
async def group_create(c, base):
    from msgraph.generated.models.group import Group

    body = Group(display_name="SDK test group", mail_enabled=False, mail_nickname="sdktest",
                 security_enabled=True)
    g = instance(await c.groups.post(body), Group, "POST groups")
    check(status_of("POST") == 201, f"POST /groups answered {status_of('POST')}, expected 201")
    text(g.id, "created group.id")
    return f"201, id={g.id!r}"


@call
async def group_update(c, base):
    from msgraph.generated.models.group import Group

    first = items(await c.groups.get(), Group, "groups")[0]
    result = await c.groups.by_group_id(text(first.id, "groups[0].id")).patch(Group(description="updated"))
    st = status_of("PATCH")
    check(st in (200, 204), f"PATCH /groups/{{id}} answered {st}, expected 204")
    check(result is None or isinstance(result, Group), f"PATCH returned {type(result).__name__}")
    return f"{st}"


@call
async def group_delete(c, base):
    from msgraph.generated.models.group import Group

    first = items(await c.groups.get(), Group, "groups")[0]
    result = await c.groups.by_group_id(text(first.id, "groups[0].id")).delete()
    st = status_of("DELETE")
    check(st == 204, f"DELETE /groups/{{id}} answered {st}, expected 204")
    check(result is None, f"DELETE returned {result!r}")
    return "204"


@call
async def messages_list(c, base):
    from msgraph.generated.models.message import Message

    msgs = items(await c.me.messages.get(), Message, "me/messages")
    m = msgs[0]
    text(m.id, "messages[0].id")
    text(m.subject, "messages[0].subject")
    instance(m.received_date_time, datetime.datetime, "messages[0].received_date_time")
    text(m.from_.email_address.address if m.from_ and m.from_.email_address else None,
         "messages[0].from_.email_address.address")
    return f"{len(msgs)} messages, first subject={m.subject!r}"


@call
async def messages_top_select(c, base):
    from msgraph.generated.models.message import Message
    from msgraph.generated.users.item.messages.messages_request_builder import MessagesRequestBuilder as B

    page = await c.me.messages.get(
        query(B, "MessagesRequestBuilderGetQueryParameters", top=2, select=["subject", "sender"])
    )
    msgs = items(page, Message, "me/messages?$top=2&$select=subject,sender")
    check(len(msgs) <= 2, f"$top=2 returned {len(msgs)} messages")
    for i, m in enumerate(msgs):
        text(m.subject, f"messages[{i}].subject")
        check(m.body is None, f"messages[{i}]: $select=subject,sender, yet body is set")
    return f"{len(msgs)} messages"


@call
async def message_get(c, base):
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.message import Message

    first = items(await c.me.messages.get(), Message, "me/messages")[0]
    m = instance(await c.me.messages.by_message_id(text(first.id, "messages[0].id")).get(), Message,
                 "me/messages/{id}")
    text(m.subject, "message.subject")
    check(m.body is not None, "message.body is None")
    instance(m.body.content, str, "message.body.content")
    instance(m.body.content_type, BodyType, "message.body.content_type")
    return f"subject={m.subject!r}, body {m.body.content_type.value}"


@call
async def message_create(c, base):
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.generated.models.message import Message

    body = Message(subject="SDK draft", body=ItemBody(content_type=BodyType.Text, content="hello"))
    m = instance(await c.me.messages.post(body), Message, "POST me/messages")
    check(status_of("POST") == 201, f"POST /me/messages answered {status_of('POST')}, expected 201")
    text(m.id, "created message.id")
    return f"201, id={m.id[:24]!r}"


@call
async def mail_folders(c, base):
    from msgraph.generated.models.mail_folder import MailFolder

    folders = items(await c.me.mail_folders.get(), MailFolder, "me/mailFolders")
    for i, f in enumerate(folders):
        text(f.display_name, f"mailFolders[{i}].display_name")
        instance(f.total_item_count, int, f"mailFolders[{i}].total_item_count")
    return f"{len(folders)} folders"


@call
async def inbox_messages(c, base):
    from msgraph.generated.models.message import Message

    msgs = items(await c.me.mail_folders.by_mail_folder_id("inbox").messages.get(), Message,
                 "me/mailFolders/inbox/messages")
    text(msgs[0].subject, "messages[0].subject")
    return f"{len(msgs)} messages"


@call
async def send_mail(c, base):
    from msgraph.generated.models.body_type import BodyType
    from msgraph.generated.models.email_address import EmailAddress
    from msgraph.generated.models.item_body import ItemBody
    from msgraph.generated.models.message import Message
    from msgraph.generated.models.recipient import Recipient
    from msgraph.generated.users.item.send_mail.send_mail_post_request_body import SendMailPostRequestBody

    msg = Message(
        subject="SDK sendMail",
        body=ItemBody(content_type=BodyType.Text, content="hello"),
        to_recipients=[Recipient(email_address=EmailAddress(address="adele@contoso.com"))],
    )
    result = await c.me.send_mail.post(SendMailPostRequestBody(message=msg, save_to_sent_items=False))
    st = status_of("POST")
    check(st == 202, f"POST /me/sendMail answered {st}, expected 202")
    check(result is None, f"sendMail returned {result!r}")
    return "202"


@call
async def events_list(c, base):
    from msgraph.generated.models.event import Event

    events = items(await c.me.events.get(), Event, "me/events")
    for i, e in enumerate(events):
        text(e.subject, f"events[{i}].subject")
        check(e.start is not None, f"events[{i}].start is None")
        text(e.start.date_time, f"events[{i}].start.date_time")
        text(e.start.time_zone, f"events[{i}].start.time_zone")
    return f"{len(events)} events"


@call
async def event_get(c, base):
    from msgraph.generated.models.event import Event

    first = items(await c.me.events.get(), Event, "me/events")[0]
    e = instance(await c.me.events.by_event_id(text(first.id, "events[0].id")).get(), Event, "me/events/{id}")
    check(e.start is not None and e.end is not None, "event.start or event.end is None")
    text(e.start.date_time, "event.start.date_time")
    text(e.end.date_time, "event.end.date_time")
    return f"subject={e.subject!r}, start={e.start.date_time!r}"


@call
async def event_create(c, base):
    from msgraph.generated.models.date_time_time_zone import DateTimeTimeZone
    from msgraph.generated.models.event import Event

    body = Event(
        subject="SDK event",
        start=DateTimeTimeZone(date_time="2026-01-15T12:00:00", time_zone="UTC"),
        end=DateTimeTimeZone(date_time="2026-01-15T13:00:00", time_zone="UTC"),
    )
    e = instance(await c.me.events.post(body), Event, "POST me/events")
    check(status_of("POST") == 201, f"POST /me/events answered {status_of('POST')}, expected 201")
    text(e.id, "created event.id")
    check(e.start is not None, "created event.start is None")
    text(e.start.date_time, "created event.start.date_time")
    return f"201, id={e.id[:24]!r}"


@call
async def calendar_get(c, base):
    from msgraph.generated.models.calendar import Calendar

    cal = instance(await c.me.calendar.get(), Calendar, "me/calendar")
    text(cal.name, "calendar.name")
    instance(cal.can_edit, bool, "calendar.can_edit")
    return f"name={cal.name!r}"


@call
async def calendar_view(c, base):
    from msgraph.generated.models.event import Event
    from msgraph.generated.models.response_type import ResponseType
    from msgraph.generated.users.item.calendar_view.calendar_view_request_builder import (
        CalendarViewRequestBuilder as B,
    )

    page = await c.me.calendar_view.get(
        query(B, "CalendarViewRequestBuilderGetQueryParameters",
              start_date_time="2017-01-01T19:00:00-08:00", end_date_time="2030-01-07T19:00:00-08:00")
    )
    events = items(page, Event, "me/calendarView")
    for i, e in enumerate(events):
        text(e.i_cal_u_id, f"calendarView[{i}].i_cal_u_id")
        instance(e.reminder_minutes_before_start, int, f"calendarView[{i}].reminder_minutes_before_start")
        check(e.response_status is not None, f"calendarView[{i}].response_status is None")
        instance(e.response_status.response, ResponseType, f"calendarView[{i}].response_status.response")
    return f"{len(events)} events"


@call
async def contacts_list(c, base):
    from msgraph.generated.models.contact import Contact

    # The documented contact (user-list-contacts) shows a display name, a
    # given name and a birthday ("datetime-value", served as a date-time).
    contacts = items(await c.me.contacts.get(), Contact, "me/contacts")
    for i, ct in enumerate(contacts):
        text(ct.id, f"contacts[{i}].id")
        text(ct.display_name, f"contacts[{i}].display_name")
        text(ct.given_name, f"contacts[{i}].given_name")
        instance(ct.birthday, datetime.datetime, f"contacts[{i}].birthday")
    return f"{len(contacts)} contacts"


@call
async def drive_get(c, base):
    from msgraph.generated.models.drive import Drive

    d = instance(await c.me.drive.get(), Drive, "me/drive")
    text(d.id, "drive.id")
    text(d.drive_type, "drive.drive_type")
    return f"id={d.id!r}, drive_type={d.drive_type!r}"


@call
async def drive_by_id(c, base):
    # The SDK has no me.drive.root, and /drives/{id}/root has no documented
    # example: the drive by its id is what a client reaches next.
    from msgraph.generated.models.drive import Drive

    d = instance(await c.me.drive.get(), Drive, "me/drive")
    again = instance(await c.drives.by_drive_id(text(d.id, "drive.id")).get(), Drive, "drives/{id}")
    text(again.id, "drives/{id}.id")
    text(again.drive_type, "drives/{id}.drive_type")
    return f"drive_type={again.drive_type!r}"


@call
async def drive_root_children(c, base):
    from msgraph.generated.models.drive import Drive
    from msgraph.generated.models.drive_item import DriveItem

    d = instance(await c.me.drive.get(), Drive, "me/drive")
    page = await c.drives.by_drive_id(text(d.id, "drive.id")).items.by_drive_item_id("root").children.get()
    children = items(page, DriveItem, "drives/{id}/items/root/children")
    # The documented children (driveitem-list-children): a file, two
    # folders with their child counts, and an item showing neither facet.
    for i, ch in enumerate(children):
        text(ch.name, f"children[{i}].name")
        if ch.folder is not None:
            instance(ch.folder.child_count, int, f"children[{i}].folder.child_count")
    folders = [ch for ch in children if ch.folder is not None]
    files = [ch for ch in children if ch.file is not None]
    check(folders and files, f"children: {len(folders)} folders and {len(files)} files, expected both")
    return f"{len(children)} children ({len(folders)} folders, {len(files)} files)"


@call
async def notebooks(c, base):
    from msgraph.generated.models.notebook import Notebook
    from msgraph.generated.models.onenote_user_role import OnenoteUserRole

    books = items(await c.me.onenote.notebooks.get(), Notebook, "me/onenote/notebooks")
    for i, b in enumerate(books):
        instance(b.is_default, bool, f"notebooks[{i}].is_default")
        instance(b.user_role, OnenoteUserRole, f"notebooks[{i}].user_role")
        check(b.links is not None and b.links.one_note_web_url is not None, f"notebooks[{i}].links is None")
        text(b.links.one_note_web_url.href, f"notebooks[{i}].links.one_note_web_url.href")
    return f"{len(books)} notebooks"


@call
async def onenote_sections(c, base):
    from msgraph.generated.models.onenote_section import OnenoteSection

    sections = items(await c.me.onenote.sections.get(), OnenoteSection, "me/onenote/sections")
    for i, s in enumerate(sections):
        text(s.display_name, f"sections[{i}].display_name")
    return f"{len(sections)} sections"


@call
async def joined_teams(c, base):
    from msgraph.generated.models.team import Team

    teams = items(await c.me.joined_teams.get(), Team, "me/joinedTeams")
    for i, t in enumerate(teams):
        text(t.id, f"joinedTeams[{i}].id")
    return f"{len(teams)} teams"


@call
async def team_channels(c, base):
    from msgraph.generated.models.channel import Channel
    from msgraph.generated.models.team import Team

    team = items(await c.me.joined_teams.get(), Team, "me/joinedTeams")[0]
    channels = items(await c.teams.by_team_id(text(team.id, "joinedTeams[0].id")).channels.get(), Channel,
                     "teams/{id}/channels")
    for i, ch in enumerate(channels):
        text(ch.display_name, f"channels[{i}].display_name")
    return f"{len(channels)} channels"


@call
async def applications_list(c, base):
    from msgraph.generated.models.application import Application

    apps = items(await c.applications.get(), Application, "applications")
    for i, a in enumerate(apps):
        text(a.app_id, f"applications[{i}].app_id")
        text(a.display_name, f"applications[{i}].display_name")
    return f"{len(apps)} applications"


@call
async def application_create_get(c, base):
    from msgraph.generated.models.application import Application

    created = instance(await c.applications.post(Application(display_name="SDK app")), Application,
                       "POST applications")
    check(status_of("POST") == 201, f"POST /applications answered {status_of('POST')}, expected 201")
    a = await c.applications.by_application_id(text(created.id, "created application.id")).get()
    instance(a, Application, "applications/{id}")
    text(a.app_id, "application.app_id")
    text(a.display_name, "application.display_name")
    return f"app_id={a.app_id!r}"


async def _iterate(c, first, what: str) -> tuple[list, int]:
    """Every item of a paged collection through msgraph_core's PageIterator; the
    items and the pages fetched. Fails past MAX_PAGES."""
    from msgraph_core.tasks.page_iterator import PageIterator

    seen: list = []
    sizes: list = []

    def collect(item):
        seen.append(item)
        return True

    it = PageIterator(first, c.request_adapter)
    while True:
        sizes.append(len(it.current_page.value or []))
        if not it.enumerate(collect):
            break
        nxt = await it.next()
        if not nxt:
            break
        check(len(sizes) < MAX_PAGES, f"{what}: still a nextLink after {MAX_PAGES} pages (paging never ends)")
        it.current_page = nxt
        it.pause_index = 0
    return seen, sizes


@call
async def page_iterator(c, base):
    from msgraph.generated.models.sign_in import SignIn

    first = await c.audit_logs.sign_ins.get()
    items(first, SignIn, "auditLogs/signIns")
    check(first.odata_next_link, "auditLogs/signIns: the first page has no @odata.nextLink (documented)")
    seen, sizes = await _iterate(c, first, "auditLogs/signIns")
    pages = len(sizes)
    check(pages >= 2, f"auditLogs/signIns: {pages} page fetched, expected the next page too")
    for i, s in enumerate(seen):
        instance(s, SignIn, f"signIns item {i}")
        instance(s.created_date_time, datetime.datetime, f"signIns item {i}.created_date_time")
    return f"{len(seen)} sign-ins in {pages} pages"


@call
async def page_iterator_top(c, base):
    from msgraph.generated.models.mail_folder import MailFolder
    from msgraph.generated.users.item.mail_folders.mail_folders_request_builder import (
        MailFoldersRequestBuilder as B,
    )

    everything = items(await c.me.mail_folders.get(), MailFolder, "me/mailFolders")
    all_ids = sorted(text(f.id, "mailFolder.id") for f in everything)
    first = await c.me.mail_folders.get(query(B, "MailFoldersRequestBuilderGetQueryParameters", top=2))
    items(first, MailFolder, "me/mailFolders?$top=2")
    seen, sizes = await _iterate(c, first, "me/mailFolders?$top=2")
    check(max(sizes) <= 2, f"me/mailFolders?$top=2: pages of {sizes} items")
    ids = sorted(text(f.id, "mailFolder.id") for f in seen)
    check(ids == all_ids, f"paging $top=2 gave {len(ids)} folders {ids[:4]}..., the whole list {len(all_ids)}")
    return f"{len(ids)} folders in pages of {sizes}"


def batch_body(resp, raw: dict, rid: str, cls):
    """Response `rid` of a $batch as `cls`, through the SDK's JSON parse node.

    msgraph-core 1.5.2's own `get_response_by_id(rid, cls)` cannot work: it reads
    an item's `body` only as base64 (`get_bytes_value`, None for the JSON object
    Graph sends) and hands a BytesIO to a parse-node factory that wants bytes.
    So the body is taken from the raw answer, a JSON object (as Graph sends it)
    or a base64 string."""
    import base64

    from kiota_abstractions.serialization import ParseNodeFactoryRegistry

    check(resp.get_response_by_id(rid) is not None, f"$batch: no response with id {rid!r}")
    bodies = {r.get("id"): r.get("body") for r in raw.get("responses", []) if isinstance(r, dict)}
    body = bodies.get(rid)
    if isinstance(body, str):
        data = base64.b64decode(body)
    else:
        check(isinstance(body, dict), f"$batch response {rid}: body is {type(body).__name__}, expected JSON")
        data = json.dumps(body).encode()
    return ParseNodeFactoryRegistry().get_root_parse_node("application/json", data).get_object_value(cls)


@call
async def batch(c, base):
    from msgraph.generated.models.message import Message
    from msgraph.generated.models.message_collection_response import MessageCollectionResponse
    from msgraph.generated.models.user import User
    from msgraph.generated.models.user_collection_response import UserCollectionResponse
    from msgraph.generated.users.users_request_builder import UsersRequestBuilder as B
    from msgraph_core.requests.batch_request_content import BatchRequestContent
    from msgraph_core.requests.batch_request_item import BatchRequestItem
    from msgraph_core.requests.batch_response_content import BatchResponseContent

    me = BatchRequestItem(request_information=c.me.to_get_request_information(), id="1")
    users = BatchRequestItem(
        request_information=c.users.to_get_request_information(
            query(B, "UsersRequestBuilderGetQueryParameters", top=1)), id="2")
    msgs = BatchRequestItem(request_information=c.me.messages.to_get_request_information(), id="3")
    content = BatchRequestContent({"1": me, "2": users, "3": msgs})
    resp = instance(await c.batch.post(batch_request_content=content), BatchResponseContent, "$batch")
    check(status_of("POST") == 200, f"POST /$batch answered {status_of('POST')}, expected 200")
    codes = resp.get_response_status_codes()
    check(codes == {"1": 200, "2": 200, "3": 200}, f"$batch statuses {codes}, expected 200 each")
    for rid in ("1", "2", "3"):
        ctype = resp.get_response_by_id(rid).content_type or ""
        check(ctype.startswith("application/json"), f"$batch response {rid}: content-type {ctype!r}")
    raw = json.loads(LOG.get()[-1]["whole"])
    u = instance(batch_body(resp, raw, "1", User), User, "$batch response 1")
    text(u.display_name, "$batch me.display_name")
    page = instance(batch_body(resp, raw, "2", UserCollectionResponse), UserCollectionResponse,
                    "$batch response 2")
    check(len(items(page, User, "$batch users?$top=1")) == 1, "$batch users?$top=1: not one user")
    mp = instance(batch_body(resp, raw, "3", MessageCollectionResponse), MessageCollectionResponse,
                  "$batch response 3")
    items(mp, Message, "$batch me/messages")
    return f"3 responses, me={u.display_name!r}"


@call
async def unknown_path(c, base):
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    try:
        await c.users.with_url(f"{base}/v1.0/noSuchEntitySet").get()
    except ODataError as e:
        check(e.response_status_code in (400, 404), f"status {e.response_status_code}, expected 404 (or 400)")
        check(e.error is not None, "ODataError.error is None: the body is not a Graph error envelope")
        text(e.error.code, "ODataError.error.code")
        text(e.error.message, "ODataError.error.message")
        return f"ODataError {e.response_status_code} {e.error.code}"
    raise Failed("GET /v1.0/noSuchEntitySet did not raise ODataError")


@call
async def unknown_navigation(c, base):
    from msgraph.generated.models.o_data_errors.o_data_error import ODataError

    try:
        await c.me.with_url(f"{base}/v1.0/me/noSuchNavigation").get()
    except ODataError as e:
        check(e.response_status_code in (400, 404), f"status {e.response_status_code}, expected 400 or 404")
        check(e.error is not None, "ODataError.error is None: the body is not a Graph error envelope")
        text(e.error.code, "ODataError.error.code")
        text(e.error.message, "ODataError.error.message")
        return f"ODataError {e.response_status_code} {e.error.code}"
    raise Failed("GET /v1.0/me/noSuchNavigation did not raise ODataError")


# ------------------------------------------------------------------ running


def describe(exc: BaseException) -> str:
    """The exception's type and message, with the OData error when there is one."""
    name = type(exc).__name__
    msg = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    err = getattr(exc, "error", None)
    status = getattr(exc, "response_status_code", None)
    if status is not None:
        msg = f"status {status}; {msg}"
    if err is not None and (getattr(err, "code", None) or getattr(err, "message", None)):
        msg += f" (error.code={err.code!r}, error.message={err.message!r})"
    return f"{name}: {msg}"[:400]


def exchanges(log: list) -> str:
    parts = []
    for e in log:
        hdrs = " ".join(f"[{k}: {v}]" for k, v in e["headers"].items())
        sent = " ".join((e.get("sent") or "").split())[:240]
        sent = f" body {sent}" if sent else ""
        body = " ".join((e.get("body") or "").split())[:200]
        parts.append(f"{e['method']} {e['url']} {hdrs}{sent} -> {e.get('status', 'no answer')} {body}".rstrip())
    return " | ".join(parts)


async def run_one(fn, client, base) -> dict:
    log: list = []
    LOG.set(log)
    t = time.monotonic()
    try:
        detail = await asyncio.wait_for(fn(client, base), CALL_TIMEOUT)
        ok = True
    except asyncio.TimeoutError:
        ok, detail = False, f"timeout after {CALL_TIMEOUT:.0f} s"
    except Exception as e:  # every failure is reported, none stops the others
        ok, detail = False, describe(e)
    if not ok and log:
        detail += " || requests: " + exchanges(log)
    return {"call": fn.__name__, "ok": ok, "detail": str(detail), "ms": round((time.monotonic() - t) * 1000)}


def client_for(base: str) -> GraphServiceClient:
    # trust_env=False: no proxy from the environment, whose transport would
    # bypass the Recorder (and its refusal of other hosts).
    http = httpx.AsyncClient(transport=Recorder(base), timeout=httpx.Timeout(10.0), trust_env=False)
    http = GraphClientFactory.create_with_default_middleware(client=http, options=SDK_OPTIONS)
    adapter = GraphRequestAdapter(AnonymousAuthenticationProvider(), client=http)
    adapter.base_url = f"{base}/v1.0"
    return GraphServiceClient(request_adapter=adapter)


async def main(base: str) -> int:
    client = client_for(base)
    t = time.monotonic()
    results = await asyncio.gather(*(run_one(fn, client, base) for fn in CALLS))
    for r in results:
        print(json.dumps({"call": r["call"], "ok": r["ok"], "detail": r["detail"]}), flush=True)
    failed = sum(not r["ok"] for r in results)
    slow = max(results, key=lambda r: r["ms"])
    print(
        f"graph_calls: {len(results) - failed} ok, {failed} failed; import {IMPORT_SECONDS:.2f} s, "
        f"calls {time.monotonic() - t:.2f} s (slowest {slow['call']} {slow['ms']} ms), "
        f"total {time.monotonic() - T0:.2f} s",
        file=sys.stderr,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 2 or not sys.argv[1].startswith(("http://", "https://")):
        print("usage: graph_calls.py BASE_URL   (e.g. http://127.0.0.1:8080, without /v1.0)", file=sys.stderr)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1].rstrip("/"))))
