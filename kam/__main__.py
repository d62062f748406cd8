from kam.cli.main import run

run()
