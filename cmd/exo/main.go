// Command exo is the developer CLI of the exo declarative backend builder.
package main

import (
	"os"

	"github.com/exo-dev/exo/internal/cli"
)

func main() { os.Exit(cli.Main(os.Args[1:])) }
