"""Drives `evo kernel` with Jupyter's own client (jupyter_client, Debian's python3-jupyter-client).

Usage: python3 kernel_client.py SCENARIO LOGFILE, with JUPYTER_PATH naming a folder whose kernels/evo
holds the kernelspec `evo kernel install --prefix` wrote. Scenarios: messages, interrupt, restart,
bad_input. Prints one `ok ...` line per check; any failed check raises (non-zero exit).
"""

import base64
import hashlib
import hmac
import json
import os
import queue
import signal
import sys
import time
import uuid

import zmq
from jupyter_client.manager import KernelManager
from jupyter_client.session import Session

TIMEOUT = 60


def check(condition, what, detail=""):
    if not condition:
        raise AssertionError(f"{what}: {detail}")
    print("ok", what, flush=True)


class Kernel:
    """A started evo kernel and a blocking client on it; stderr goes to the log file."""

    def __init__(self, log):
        self.log = open(log, "a")
        self.replies = {}
        self.km = KernelManager(kernel_name="evo")
        self.km.start_kernel(stderr=self.log)
        self.connect()

    def connect(self):
        self.kc = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=TIMEOUT)
        self.drain()

    def drain(self):
        while True:
            try:
                self.kc.get_iopub_msg(timeout=0.3)
            except queue.Empty:
                return

    def reply(self, msg_id, channel="shell"):
        """The reply to msg_id; replies to other requests that arrive first are kept for later."""
        get = self.kc.get_shell_msg if channel == "shell" else self.kc.get_control_msg
        deadline = time.time() + TIMEOUT
        while msg_id not in self.replies and time.time() < deadline:
            msg = get(timeout=TIMEOUT)
            self.replies[msg["parent_header"].get("msg_id")] = msg
        if msg_id not in self.replies:
            raise AssertionError(f"no reply to {msg_id}")
        return self.replies.pop(msg_id)

    def iopub(self, msg_id):
        """The iopub messages of one request, from its busy status through its idle status."""
        messages = []
        deadline = time.time() + TIMEOUT
        while time.time() < deadline:
            msg = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append(msg)
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return messages
        raise AssertionError(f"no idle status for {msg_id}")

    def run(self, code, **options):
        msg_id = self.kc.execute(code, **options)
        reply = self.reply(msg_id)
        messages = self.iopub(msg_id)
        states = [m["content"]["execution_state"] for m in messages if m["msg_type"] == "status"]
        check(states == ["busy", "idle"] and messages[0]["msg_type"] == "status", "status busy ... idle around execute",
              [m["msg_type"] for m in messages])
        return reply["content"], [m for m in messages if m["msg_type"] != "status"]

    def request(self, method, *args, **kw):
        """A shell request through the client's helper method; its reply, with busy/idle checked."""
        msg_id = getattr(self.kc, method)(*args, **kw)
        reply = self.reply(msg_id)
        states = [m["content"]["execution_state"] for m in self.iopub(msg_id) if m["msg_type"] == "status"]
        check(states == ["busy", "idle"], f"status busy/idle around {method}", states)
        return reply["content"]

    def stop(self):
        if self.log.closed:
            return
        self.kc.stop_channels()
        if self.km.is_alive():
            self.km.shutdown_kernel(now=True)
        self.log.close()


def outputs_of(messages, kind):
    return [m["content"] for m in messages if m["msg_type"] == kind]


def messages(k):
    info = k.request("kernel_info")
    check(info["protocol_version"] == "5.3" and info["implementation"] == "evo", "kernel_info", info)
    check(info["language_info"]["name"] == "evo" and info["language_info"]["file_extension"] == ".evo", "language_info")

    reply, out = k.run('print(1 + 1)\nlet x = 20\nx * 2 + 2')
    check(reply["status"] == "ok" and reply["execution_count"] == 1, "execute reply", reply)
    check(outputs_of(out, "execute_input") == [{"code": 'print(1 + 1)\nlet x = 20\nx * 2 + 2', "execution_count": 1}],
          "execute_input", out)
    check(outputs_of(out, "stream") == [{"name": "stdout", "text": "2\n"}], "stream", out)
    check(outputs_of(out, "execute_result") == [{"data": {"text/plain": "42"}, "execution_count": 1, "metadata": {}}],
          "execute_result", out)

    reply, out = k.run("x + 1", silent=True)
    check(reply["execution_count"] == 1 and out == [], "silent: no count, no outputs", (reply, out))
    reply, out = k.run("x + 2", store_history=False)
    check(reply["execution_count"] == 1 and outputs_of(out, "execute_result")[0]["data"]["text/plain"] == "22",
          "store_history false keeps the count", reply)
    reply, out = k.run("let t = tensor([[1, 2], [3, 4]])\nt @ t")
    check(reply["execution_count"] == 2, "execution count 2", reply)
    text = outputs_of(out, "execute_result")[0]["data"]["text/plain"]
    check(text.startswith("tensor(") and "7" in text and "22" in text, "a tensor shows as text", text)

    reply, out = k.run('import plot\nprint("before")\nplot.lines({"a": [1, 3, 2]}, title: "t")')
    shown = outputs_of(out, "display_data")
    check(len(shown) == 1, "a figure is display_data", out)
    png = base64.b64decode(shown[0]["data"]["image/png"])
    check(png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000, "display_data carries a PNG", len(png))
    check("text/plain" in shown[0]["data"], "display_data carries text/plain")
    check(outputs_of(out, "stream") == [{"name": "stdout", "text": "before\n"}], "print before the figure", out)
    reply, out = k.run('display(plot.lines({"a": [1, 2]}))\ndisplay(tensor([5, 6]))\nnil')
    check(len(outputs_of(out, "display_data")) == 1 and "tensor(" in outputs_of(out, "stream")[0]["text"],
          "display(): figures inline, tensors as text", out)

    reply, out = k.run("let y = 1\nlet z = y + [1, 2][5]")
    check(reply["status"] == "error" and reply["ename"] == "IndexError", "error reply", reply)
    err = outputs_of(out, "error")
    check(len(err) == 1 and err[0]["ename"] == "IndexError" and "5" in err[0]["evalue"], "error message", err)
    tb = "\n".join(err[0]["traceback"])
    check("In[5]:2:" in tb and "^" in tb, "traceback names the cell and line", tb)
    reply, out = k.run("y + 1")
    check(outputs_of(out, "execute_result")[0]["data"]["text/plain"] == "2", "the session survives an error", out)
    reply, out = k.run("let w = 1 +\n")
    check(reply["status"] == "error" and reply["ename"] == "SyntaxError", "a syntax error", reply)

    # stop_on_error: an execute queued behind a failing one is aborted, not run.
    first = k.kc.execute('let t0 = clock()\nwhile clock() - t0 < 1 { }\nthrow "boom"')
    second = k.kc.execute('print("must not run")')
    r1, r2 = k.reply(first), k.reply(second)
    check(r1["content"]["status"] == "error" and r2["content"]["status"] == "aborted", "queued execute aborted after error",
          (r1["content"]["status"], r2["content"]["status"]))
    k.drain()

    reply, out = k.run('let z = 5', user_expressions={"double": "z * 2", "bad": "nope"})
    ue = reply["user_expressions"]
    check(ue["double"] == {"status": "ok", "data": {"text/plain": "10"}, "metadata": {}}, "user_expressions value", ue)
    check(ue["bad"]["status"] == "error" and ue["bad"]["ename"] == "NameError", "user_expressions error", ue)

    for code, status, indent in [("let a = 1", "complete", None), ("fn f(x) {", "incomplete", "  "),
                                 ("for i in [1] {\n  if i > 0 {", "incomplete", "    "), ("let = 3", "invalid", None),
                                 ('print("open', "incomplete", None)]:
        rep = k.request("is_complete", code)
        check(rep["status"] == status and (indent is None or rep.get("indent") == indent),
              f"is_complete {code!r}", rep)

    k.run("let my_value = 3\nfn my_function(a) { a }")
    rep = k.request("complete", "my_v")
    check(rep["matches"] == ["my_value"] and rep["cursor_start"] == 0 and rep["cursor_end"] == 4, "complete a name", rep)
    rep = k.request("complete", "print(my_", 9)
    check(rep["matches"] == ["my_function", "my_value"] and rep["cursor_start"] == 6, "complete inside a call", rep)
    rep = k.request("complete", "t.su")
    check("t.sum" in rep["matches"] and rep["cursor_start"] == 0, "complete a member", rep)
    rep = k.request("complete", "wh")
    check("while" in rep["matches"], "complete a keyword", rep)

    rep = k.request("inspect", "conv2d(x, ", 10)
    check(rep["found"] and "conv2d(x, weight" in rep["data"]["text/plain"], "inspect the call being written", rep)
    rep = k.request("inspect", "my_function", 3)
    check(rep["found"] and "my_function(a)" in rep["data"]["text/plain"], "inspect a user function", rep)
    rep = k.request("inspect", "no_such_name", 5)
    check(rep["status"] == "ok" and not rep["found"], "inspect an unknown name", rep)

    rep = k.request("history", hist_access_type="tail", n=2)
    check([h[2] for h in rep["history"]] == ['let z = 5', "let my_value = 3\nfn my_function(a) { a }"], "history tail", rep)
    rep = k.request("history", hist_access_type="range", output=True, session=0, start=1, stop=3)
    check([h[1] for h in rep["history"]] == [1, 2] and rep["history"][0][2][1] == "42", "history range with output", rep)
    rep = k.request("history", hist_access_type="search", pattern="print*")
    check(len(rep["history"]) == 1 and rep["history"][0][2].startswith("print(1 + 1)"), "history search", rep)

    rep = k.request("comm_info")
    check(rep == {"status": "ok", "comms": {}}, "comm_info", rep)

    msg = k.kc.session.msg("shutdown_request", {"restart": False})
    k.kc.control_channel.send(msg)
    rep = k.reply(msg["header"]["msg_id"], channel="control")
    check(rep["content"] == {"status": "ok", "restart": False}, "shutdown_reply", rep["content"])
    deadline = time.time() + 10
    while k.km.is_alive() and time.time() < deadline:
        time.sleep(0.1)
    check(not k.km.is_alive(), "the kernel exits after shutdown")


def run_forever(k, code):
    msg_id = k.kc.execute(code)
    deadline = time.time() + TIMEOUT
    while time.time() < deadline:  # wait until it runs
        msg = k.kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    time.sleep(1.0)
    return msg_id


def interrupt(k):
    k.run("let counter = 0\nlet total = 41")
    msg_id = run_forever(k, "while true { counter += 1 }")
    started = time.time()
    k.km.interrupt_kernel()  # the kernelspec's interrupt_mode is "message": interrupt_request on control
    reply = k.reply(msg_id)["content"]
    check(reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", "interrupt_request stops a loop", reply)
    check(time.time() - started < 10, "the interrupt is prompt")
    reply, out = k.run("counter > 0 and total == 41")
    check([r["data"]["text/plain"] for r in outputs_of(out, "execute_result")] == ["true"], "variables survive an interrupt",
          (reply, out))

    msg_id = run_forever(k, "while true { counter += 1 }")
    k.km.signal_kernel(signal.SIGINT)
    reply = k.reply(msg_id)["content"]
    check(reply["status"] == "error" and reply["ename"] == "KeyboardInterrupt", "SIGINT stops a loop", reply)
    msg_id = run_forever(k, "let m = randn([64, 64])\nwhile true { m = (m @ m).tanh() }")
    k.km.interrupt_kernel()
    check(k.reply(msg_id)["content"]["ename"] == "KeyboardInterrupt", "an interrupt stops tensor work")
    reply, out = k.run("total + 1")
    check(outputs_of(out, "execute_result")[0]["data"]["text/plain"] == "42", "the kernel answers after SIGINT", out)
    check(k.km.is_alive(), "the kernel is still alive")


def restart(k):
    k.run("let kept = 1")
    pid = k.km.provisioner.process.pid
    k.km.restart_kernel(now=False)
    k.kc.stop_channels()
    k.connect()
    check(k.km.provisioner.process.pid != pid, "restart starts a new process")
    reply, out = k.run("kept")
    check(reply["status"] == "error" and reply["ename"] == "NameError" and reply["execution_count"] == 1,
          "a restarted kernel starts fresh", reply)


def bad_input(k, log):
    info = k.km.get_connection_info()
    key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
    context = zmq.Context()

    def socket(port):
        s = context.socket(zmq.DEALER)
        s.linger = 0
        s.connect(f"tcp://{info['ip']}:{port}")
        return s

    shell, control = socket(info["shell_port"]), socket(info["control_port"])

    def frames(msg_type, content, sign_key=key, header=None, parts=None):
        header = header if header is not None else json.dumps({
            "msg_id": str(uuid.uuid4()), "msg_type": msg_type, "session": "raw", "username": "test",
            "date": "2026-01-01T00:00:00Z", "version": "5.3"}).encode()
        parts = parts or [header, b"{}", b"{}", json.dumps(content).encode()]
        signature = hmac.new(sign_key, b"".join(parts), hashlib.sha256).hexdigest().encode() if sign_key else b""
        return [b"<IDS|MSG>", signature] + parts

    bad = [
        [b"garbage"],
        [b"<IDS|MSG>", b"deadbeef"],
        frames("kernel_info_request", {}, sign_key=b"not the key"),
        frames("kernel_info_request", {}, sign_key=b""),
        frames("kernel_info_request", {}, header=b"{not json"),
        frames("kernel_info_request", {}, header=b'{"msg_id": "x"}'),
        frames("kernel_info_request", {}, parts=[b"[1, 2]", b"{}", b"{}", b"{}"]),
        frames("kernel_info_request", {}, header=b"\xff\xfe\x00"),
        [b"<IDS|MSG>", b"zz" * 32, b"{}", b"{}", b"{}", b"{}"],
    ]
    for message in bad:
        shell.send_multipart(message)
        control.send_multipart(message)
    # Valid signatures over requests the kernel cannot use: answered with an error or ignored, not fatal.
    shell.send_multipart(frames("execute_request", {"code": 5}))
    shell.send_multipart(frames("no_such_request", {}))
    shell.send_multipart(frames("complete_request", {"code": None, "cursor_pos": "x"}))
    replay = frames("kernel_info_request", {})
    shell.send_multipart(replay)
    shell.send_multipart(replay)
    replies = []
    deadline = time.time() + TIMEOUT
    while len(replies) < 3 and time.time() < deadline:  # the three answerable requests
        if shell.poll(500):
            replies.append(shell.recv_multipart())
    while shell.poll(1500):  # and nothing else
        replies.append(shell.recv_multipart())
    types = sorted(json.loads(r[r.index(b"<IDS|MSG>") + 2])["msg_type"] for r in replies)
    check(types == ["complete_reply", "execute_reply", "kernel_info_reply"], "only well-formed signed messages answered", types)
    execute_reply = [json.loads(r[-1]) for r in replies if b"execute_reply" in r[r.index(b"<IDS|MSG>") + 2]][0]
    check(execute_reply["status"] == "error", "an execute_request without code gets an error reply", execute_reply)
    check(control.poll(500) == 0, "nothing answered on control")

    # A client with the wrong key is refused: no reply.
    wrong = k.km.client()
    wrong.session = Session(key=b"wrong key")
    wrong.start_channels()
    wrong.kernel_info()
    try:
        wrong.get_shell_msg(timeout=3)
        refused = False
    except queue.Empty:
        refused = True
    wrong.stop_channels()
    check(refused, "a client with the wrong key gets no reply")

    reply, out = k.run("let still = 40\nstill + 2")
    check(outputs_of(out, "execute_result")[0]["data"]["text/plain"] == "42", "the kernel still answers")
    k.stop()
    text = open(log).read()
    check(text.count("rejected a message") >= 2 * len(bad) + 2, "every bad message is logged", text.count("rejected a message"))
    for reason in ["no <IDS|MSG> delimiter", "bad signature", "signature is missing", "header is not a JSON object",
                   "no msg_type", "replayed signature", "unknown message type no_such_request"]:
        check(reason in text, f"log says {reason!r}")


def main():
    scenario, log = sys.argv[1], sys.argv[2]
    k = Kernel(log)
    try:
        if scenario == "messages":
            messages(k)
        elif scenario == "interrupt":
            interrupt(k)
        elif scenario == "restart":
            restart(k)
        elif scenario == "bad_input":
            bad_input(k, log)
        else:
            raise SystemExit(f"unknown scenario {scenario}")
    finally:
        k.stop()
    print("passed", scenario, flush=True)


if __name__ == "__main__":
    main()
