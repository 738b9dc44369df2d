"""`python -m monitor`: the `monitor` command."""

from monitor.cli.main import main

main()
