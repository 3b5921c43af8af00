"""docker-compose's entry point (deploy/nginx.conf.template) on this machine's nginx, in front
of local app servers: for tests/deploy/test_production_proxy.py and the "behind the proxy"
configuration of `make bench`. Renders the template as the nginx image does and adds what
the image's own nginx.conf puts around it, with every file in one working directory."""

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx.conf.template"


def nginx_binary() -> str | None:
    """Debian's nginx (`make install` installs it), or None."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def render(template: str, variables: dict[str, str]) -> str:
    """What the nginx image does to a template: each ${NAME} becomes that variable."""
    for name, value in variables.items():
        template = template.replace(f"${{{name}}}", value)
    return template


def write_config(workdir: Path, *, listen: str, upstreams: list[str], body_limit: int) -> Path:
    """The main config for nginx in `workdir`: the rendered template (listening on `listen`,
    `host:port`, in front of the `host:port` servers `upstreams`) inside an `http` block.
    Refuses a template with a variable docker-compose does not set."""
    site = workdir / "default.conf"
    rendered = render(
        TEMPLATE.read_text(),
        {
            "LISTEN_PORT": listen,
            "WEB_UPSTREAM_SERVERS": " ".join(f"server {address};" for address in upstreams),
            "MAX_REQUEST_BODY_BYTES": str(body_limit),
        },
    )
    if "${" in rendered:
        raise ValueError("the template has a variable docker-compose does not set")
    site.write_text(rendered)
    temp_paths = "".join(
        f"{kind}_temp_path {workdir / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # nginx's workers run as this user, so that they can use the private working directory.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main = workdir / "nginx.conf"
    main.write_text(
        f"{user}pid {workdir / 'nginx.pid'};\nevents {{}}\n"
        f"http {{\naccess_log off;\n{temp_paths}include {site};\n}}\n"
    )
    return main


def start(nginx: str, workdir: Path, main: Path) -> subprocess.Popen:
    """nginx in the foreground of its own process group; errors in `workdir`/error.log."""
    return subprocess.Popen(  # noqa: S603 (fixed argv)
        [
            nginx,
            "-p",
            str(workdir),
            "-c",
            str(main),
            "-e",
            str(workdir / "error.log"),
            "-g",
            "daemon off;",
        ],
        start_new_session=True,
    )
