from cmedebug.cli import main

main(prog_name="cmedebug")
