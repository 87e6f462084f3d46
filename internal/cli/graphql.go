package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/server/graphql"
)

func init() { commands = append(commands, newGraphQLCmd) }

func newGraphQLCmd(stdio IO) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "graphql",
		Short: "Work with the project's GraphQL API",
		Args:  cobra.NoArgs,
	}
	var output, format string
	schemaCmd := &cobra.Command{
		Use:   "schema",
		Short: "Write the GraphQL schema of the project (SDL or introspection JSON)",
		Long: `Schema writes the GraphQL schema the project serves, as SDL (--format
graphql, the default) or as the result of the standard introspection query
(--format json), to generated/schema.graphql or generated/schema.json unless
--output names another file ("-" for stdout).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "graphql" && format != "json" {
				return withExitCode(ExitUsage, fmt.Errorf("--format must be graphql or json, got %q", format))
			}
			sys, err := compileForSchema(stdio, ".")
			if err != nil {
				return err
			}
			sch, err := graphql.BuildSchema(sys, graphql.SchemaOptions{AllowMutations: true})
			if err != nil {
				return withExitCode(ExitModel, err)
			}
			var out []byte
			if format == "graphql" {
				out = []byte(graphql.PrintSchema(sch))
			} else {
				h := &graphql.Handler{Schema: sch, Introspection: true}
				var buf bytes.Buffer
				if err := json.Indent(&buf, h.Execute(context.Background(), &graphql.Request{Query: introspectionQuery}), "", "  "); err != nil {
					return withExitCode(ExitModel, err)
				}
				out = append(buf.Bytes(), '\n')
			}
			if output == "" {
				output = filepath.Join("generated", "schema."+format)
			}
			if output == "-" {
				_, err := stdio.Out.Write(out)
				return withExitCode(ExitModel, err)
			}
			if err := os.MkdirAll(filepath.Dir(output), 0o755); err != nil {
				return withExitCode(ExitModel, err)
			}
			if err := os.WriteFile(output, out, 0o644); err != nil {
				return withExitCode(ExitModel, err)
			}
			fmt.Fprintf(stdio.Out, "GraphQL schema written to %s\n", output)
			return nil
		},
	}
	schemaCmd.Flags().StringVarP(&output, "output", "o", "", "the file to write (default generated/schema.<format>; - for stdout)")
	schemaCmd.Flags().StringVarP(&format, "format", "f", "graphql", "graphql (SDL) or json (introspection result)")
	cmd.AddCommand(schemaCmd)
	return cmd
}

// introspectionQuery is the standard introspection query of GraphQL tools.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description locations args { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description
  fields(includeDeprecated: true) { name description args { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } }
}`
