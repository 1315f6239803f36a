"""A student without a browser: Streamlit's own websocket protocol, spoken by a few lines of Python.

A load test of 20 students in Chromium on a 2-core machine measures Chromium (its rendering takes
most of the CPU). `Student` does what the browser does on the wire and nothing else: it opens the
session's websocket (`/_stcore/stream`), asks for a page by its URL path, keeps the widgets' values
it has set and sends them with every rerun, presses buttons (trigger values), uploads a file the way
the file uploader does (a URL from the server, an HTTP PUT with the XSRF cookie, then the widget's
value), and re-runs a fragment on the interval the server asks for (`run_every`), as the browser's
timer does. A figure measured with it is the server's and its workers' share of a click: from the
message sent to the script's end, with every element received, but none drawn.

Built on the protobuf messages shipped with Streamlit (streamlit.proto) and `websockets`, which
Streamlit itself depends on.
"""

from __future__ import annotations

import asyncio
import time
import urllib.request
import uuid
from http.cookiejar import CookieJar
from typing import Any

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLsRequest, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

XSRF_COOKIE = "_streamlit_xsrf"


class Student:
    """One browser tab's session on `url`, without the browser."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")
        self.session_id = ""
        self.widgets: dict[str, Any] = {}  # widget id -> its element (the proto), as last received
        self._shown: dict[tuple[int, ...], Any] = {}  # what the page shows: element by its place (delta path)
        self._states: dict[str, tuple[str, Any]] = {}  # widget id -> (value field, value) to send
        self._page = ""
        self._page_hash = ""  # the page's script hash, from the server once it has run it
        self._xsrf = ""
        self._jar = CookieJar()
        self._socket = None
        self._finished = asyncio.Event()  # any run, full or fragment, ended
        self._full_run = asyncio.Event()  # a full run of the page ended
        self._file_urls: dict[str, asyncio.Future] = {}
        self._reader: asyncio.Task | None = None
        self._timers: dict[str, asyncio.Task] = {}  # fragment id -> its run_every timer
        self._broken: BaseException | None = None  # why the connection stopped being read

    # -- connection -------------------------------------------------------------------------------
    async def connect(self) -> None:
        # The browser's first request is the health check, whose answer sets the XSRF cookie.
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self._jar))
        await asyncio.to_thread(lambda: opener.open(self.url + "/_stcore/health", timeout=60).read())
        self._xsrf = next((c.value for c in self._jar if c.name == XSRF_COOKIE), "")
        cookie = self._cookie()
        ws_url = self.url.replace("http", "ws", 1) + "/_stcore/stream"
        self._socket = await websockets.connect(
            ws_url, subprotocols=["streamlit", self._xsrf] if self._xsrf else ["streamlit"],
            additional_headers={"Cookie": cookie, "Origin": self.url} if cookie else None,
            max_size=None, open_timeout=60)
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        self._stop_timers(list(self._timers))
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()

    # -- what the browser does --------------------------------------------------------------------
    async def open(self, page: str, timeout: float = 600) -> float:
        """Open a page by its URL path ("freeze_lab"; "" for home) as a fresh tab would; seconds to
        the script's end."""
        self._page, self._page_hash = page, ""
        self._states.clear()
        self.widgets.clear()
        self._stop_timers(list(self._timers))  # the last page's fragments stop, as on navigation
        return await self._rerun(timeout=timeout)

    async def set(self, key: str, field: str, value: Any, timeout: float = 600) -> float:
        """Give the widget whose user key is `key` a new value in `field` (a WidgetState value
        field: "int_value", "bool_value", "string_value", "double_array_value"...) and rerun, as a
        click does; seconds to the script's end."""
        self._states[self.widget_id(key)] = (field, value)
        return await self._rerun(timeout=timeout)

    async def click(self, key: str, timeout: float = 600) -> float:
        """Press the button whose user key is `key`."""
        return await self._rerun({self.widget_id(key): ("trigger_value", True)}, timeout=timeout)

    async def upload(self, key: str, name: str, data: bytes, timeout: float = 600) -> float:
        """Put `data` in the file uploader whose user key is `key`, as a drop of one file does."""
        began = time.perf_counter()
        request_id = uuid.uuid4().hex
        answer = self._file_urls[request_id] = asyncio.get_running_loop().create_future()
        msg = BackMsg()
        msg.file_urls_request.CopyFrom(FileURLsRequest(request_id=request_id, file_names=[name],
                                                       session_id=self.session_id))
        await self._socket.send(msg.SerializeToString())
        self._check()
        try:
            urls = (await asyncio.wait_for(answer, timeout)).file_urls[0]
        finally:
            self._file_urls.pop(request_id, None)
        widget = self.widget_id(key)
        previous = self._states.get(widget)
        if previous is not None and previous[0] == "file_uploader_state_value":
            # A new file in a one-file uploader: the browser deletes the file it replaces, so does this.
            await asyncio.to_thread(self._send, previous[1].file_urls.delete_url, "DELETE")
        await asyncio.to_thread(self._put, urls.upload_url, name, data)
        info = UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id)
        info.file_urls.CopyFrom(urls)
        self._states[widget] = ("file_uploader_state_value", info)
        await self._rerun(timeout=timeout)
        return time.perf_counter() - began

    async def wait_for(self, predicate, timeout: float = 600) -> float:
        """Wait (while fragments rerun on their timers) until `predicate(self)` holds after a run;
        seconds waited."""
        began = time.perf_counter()
        while not predicate(self):
            self._finished.clear()
            remaining = timeout - (time.perf_counter() - began)
            if remaining <= 0:
                raise TimeoutError("the page never showed what was awaited")
            await asyncio.wait_for(self._finished.wait(), remaining)
            self._check()
        return time.perf_counter() - began

    def widget_id(self, key: str) -> str:
        for widget in self.widgets:
            if widget.endswith("-" + key):
                return widget
        raise KeyError(f"no widget with key {key!r} on the page (it has {len(self.widgets)})")

    @property
    def elements(self) -> list[Any]:
        """Every element the page shows, in the order it arrived."""
        return list(self._shown.values())

    def texts(self) -> list[str]:
        """The text of every markdown, caption, heading, alert and progress element of the latest
        run, and the captions of its images."""
        out = []
        for element in self.elements:
            body = getattr(element, element.WhichOneof("type"))
            out += [getattr(body, f) for f in ("body", "text") if isinstance(getattr(body, f, None), str)]
            out += [image.caption for image in getattr(body, "imgs", ())]
        return out

    def has(self, kind: str) -> bool:
        return any(e.WhichOneof("type") == kind for e in self.elements)

    # -- the wire ---------------------------------------------------------------------------------
    async def _rerun(self, triggers: dict[str, tuple[str, Any]] | None = None, fragment: str = "",
                     timeout: float = 600) -> float:
        self._check()
        msg = BackMsg()
        state = msg.rerun_script
        state.page_name = self._page
        state.page_script_hash = self._page_hash  # as the browser does: a server-side st.rerun keeps the page
        state.query_string = ""
        state.context_info.timezone = "UTC"
        state.context_info.locale = "en-US"
        if fragment:
            state.fragment_id = fragment
            state.is_auto_rerun = True
        for widget, (field, value) in {**self._states, **(triggers or {})}.items():
            entry = state.widget_states.widgets.add(id=widget)
            if field == "file_uploader_state_value":
                entry.file_uploader_state_value.uploaded_file_info.append(value)
            elif field.endswith("_array_value"):
                getattr(entry, field).data.extend(value)
            else:
                setattr(entry, field, value)
        began = time.perf_counter()
        if not fragment:
            self._full_run.clear()
        await self._socket.send(msg.SerializeToString())
        if fragment:
            return 0.0
        await asyncio.wait_for(self._full_run.wait(), timeout)
        self._check()
        return time.perf_counter() - began

    def _put(self, upload_url: str, name: str, data: bytes) -> None:
        boundary = uuid.uuid4().hex
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
        self._send(upload_url, "PUT", body, {"Content-Type": f"multipart/form-data; boundary={boundary}"})

    def _send(self, url: str, method: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> None:
        """An HTTP request to the server as the page's session makes it (its XSRF token and cookies)."""
        target = url if url.startswith("http") else self.url + "/" + url.lstrip("/")
        request = urllib.request.Request(target, data=body, method=method, headers={
            **(headers or {}), "X-Xsrftoken": self._xsrf, "Cookie": self._cookie()})
        urllib.request.urlopen(request, timeout=120).read()

    def _cookie(self) -> str:
        return "; ".join(f"{c.name}={c.value}" for c in self._jar)

    async def _read(self) -> None:
        """Read the server's messages; a failure wakes every wait, which then raises it."""
        try:
            await self._read_messages()
        except Exception as exc:
            self._broken = exc
        else:
            self._broken = ConnectionError("the server closed the session's connection")
        self._finished.set()
        self._full_run.set()

    def _check(self) -> None:
        if self._broken is not None:
            raise RuntimeError(f"the session's connection failed: {self._broken}") from self._broken

    async def _read_messages(self) -> None:
        async for raw in self._socket:
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "new_session":  # sent as every run starts; a fragment's run redraws its part only
                self.session_id = msg.new_session.initialize.session_id or self.session_id
                if not msg.metadata.run.fragment_ids:
                    self._shown = {}
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                body = getattr(element, element.WhichOneof("type"))
                if getattr(body, "id", ""):
                    self.widgets[body.id] = body
                self._shown[tuple(msg.metadata.delta_path)] = element
            elif kind == "navigation" and msg.navigation.page_script_hash:
                self._page_hash = msg.navigation.page_script_hash
            elif kind == "file_urls_response":
                future = self._file_urls.get(msg.file_urls_response.response_id)
                if future is not None and not future.done():
                    future.set_result(msg.file_urls_response)
            elif kind == "auto_rerun":
                self._start_timer(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
            elif kind == "stop_auto_rerun":
                self._stop_timers(list(msg.stop_auto_rerun.fragment_ids) or list(self._timers))
            elif kind == "script_finished":
                if msg.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self._finished.set()
                if msg.script_finished in (ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR):
                    self._full_run.set()
            elif kind == "ref_hash":
                raise RuntimeError("the server sent a cached message by reference; this client keeps no cache")

    def _stop_timers(self, fragments: list[str]) -> None:
        for fragment in fragments:
            timer = self._timers.pop(fragment, None)
            if timer is not None:
                timer.cancel()

    def _start_timer(self, fragment: str, interval: float) -> None:
        if fragment in self._timers:
            return

        async def tick() -> None:
            while True:
                await asyncio.sleep(interval)
                await self._rerun(fragment=fragment)

        self._timers[fragment] = asyncio.create_task(tick())
