from cmedebug.cli import run

run()
