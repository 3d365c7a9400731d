"""``clarion announce``: tell subscribers what changed on the page, once.

The pieces, one module per job:

- :mod:`.config`: ``[[announce]]`` channels in ``site.toml`` (validated with
  the rest of the site's configuration) and the private subscriber list;
- :mod:`.state`: the public state of a built site (a folder or a live URL):
  incidents, maintenance and the ``announced.json`` record;
- :mod:`.changes`: the changes between two states, each with a stable key;
- :mod:`.record`: what was delivered where (``announced.json``, public);
- :mod:`.slack`, :mod:`.teams`, :mod:`.discord`, :mod:`.chat`,
  :mod:`.webhook`, :mod:`.email`: one message format per channel kind;
- :mod:`.http` and :mod:`.smtp`: delivery with timeouts, retries and backoff;
- :mod:`.run`: the whole run (plan, deliver with bounded concurrency, record);
- :mod:`.send`: ``clarion send``, a drafted notice through the same SMTP.

This package's ``__init__`` imports nothing, so that the site configuration
can read :mod:`.config` without pulling in the delivery code.
"""
