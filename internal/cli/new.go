package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/exo-dev/exo/migrate"
)

func init() { commands = append(commands, newNewCmd) }

func newNewCmd(stdio IO) *cobra.Command {
	var fromDB bool
	var database, scope, queryAccess, mutationAccess string
	cmd := &cobra.Command{
		Use:   "new <path>",
		Short: "Create a new Exograph project",
		Long: `New creates a project in path (which must not exist yet) with a starter
model (src/index.exo: a TodoDatabase module with a Todo type), a test
(tests/init.gql and tests/basic-query.exotest, run by exo test) and a
.gitignore, and runs git init unless path is inside a git repository.
Start it with exo yolo.

With --from-database, src/index.exo is instead the model of an existing
database (--database, EXO_POSTGRES_URL or DATABASE_URL), as exo schema
import writes it: every type has @access(false) unless --query-access or
--mutation-access say otherwise; review the access rules. The project then
has no starter test.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !fromDB {
				for _, name := range []string{"database", "scope", "query-access", "mutation-access"} {
					if cmd.Flags().Changed(name) {
						return withExitCode(ExitUsage, fmt.Errorf("--%s is only used with --from-database", name))
					}
				}
				return newProject(stdio, args[0], newProjectFiles, newProjectNextSteps)
			}
			qa, ma, err := parseAccessFlags(queryAccess, mutationAccess)
			if err != nil {
				return err
			}
			if err := checkNewPath(args[0]); err != nil {
				return err
			}
			if _, err := databaseURL(database); err != nil {
				return err
			}
			model, err := importModel(cmd.Context(), database, scope, migrate.ImportOptions{QueryAccess: qa, MutationAccess: ma})
			if err != nil {
				return err
			}
			files := []projectFile{{"src/index.exo", model}}
			for _, f := range newProjectFiles {
				if f.path == ".gitignore" {
					files = append(files, f)
				}
			}
			return newProject(stdio, args[0], files, newFromDatabaseNextSteps)
		},
	}
	cmd.Flags().BoolVar(&fromDB, "from-database", false, "create src/index.exo from an existing database")
	cmd.Flags().StringVarP(&database, "database", "d", "", "with --from-database: the database URL (default: EXO_POSTGRES_URL or DATABASE_URL)")
	cmd.Flags().StringVar(&scope, "scope", "", "with --from-database: schemas and tables to import: <schema>[.<table>],... with * wildcards (default: all)")
	cmd.Flags().StringVar(&queryAccess, "query-access", "false", "with --from-database: access rule for queries of the imported types (true or false)")
	cmd.Flags().StringVar(&mutationAccess, "mutation-access", "false", "with --from-database: access rule for mutations of the imported types (true or false)")
	return cmd
}

type projectFile struct{ path, content string }

const (
	newProjectNextSteps      = "  exo yolo      # serve it with a throw-away database\n  exo test      # run its tests\n"
	newFromDatabaseNextSteps = "  # review the access rules in src/index.exo (imported types default to @access(false))\n  exo dev       # serve it against the database (EXO_POSTGRES_URL)\n"
)

// newProjectFiles are the files of a new project (Exograph's exo-new
// template).
var newProjectFiles = []projectFile{
	{"src/index.exo", `@postgres
module TodoDatabase {
  @access(true)
  type Todo {
    @pk id: Int = autoIncrement()
    title: String
    completed: Boolean
  }
}
`},
	{"tests/init.gql", `operation: |
  mutation {
    t1: createTodo(data: {title: "Install Exograph", completed: true}) {
      id @bind(name: "t1id")
    }
    t2: createTodo(data: {title: "Create a project", completed: true}) {
      id @bind(name: "t2id")
    }
    t3: createTodo(data: {title: "Write a model", completed: false}) {
      id @bind(name: "t3id")
    }
    t4: createTodo(data: {title: "Deploy it", completed: false}) {
      id @bind(name: "t4id")
    }
  }
`},
	{"tests/basic-query.exotest", `operation: |
  query {
    todos(orderBy: {id: ASC}) {
      id
      title
      completed
    }
  }
response: |
  {
    "data": {
      "todos": [
        {"id": $.t1id, "title": "Install Exograph", "completed": true},
        {"id": $.t2id, "title": "Create a project", "completed": true},
        {"id": $.t3id, "title": "Write a model", "completed": false},
        {"id": $.t4id, "title": "Deploy it", "completed": false}
      ]
    }
  }
`},
	{".gitignore", `# Build output (exo build) and generated files (exo graphql schema, ...)
target/
generated/

# Environment files. They are all ignored by default:
# - never commit .env.local, .env.*.local (machine-specific settings and
#   secrets) or .env.production;
# - .env, .env.dev, .env.test and .env.yolo may be shared with your team if
#   they hold no secrets: remove the matching lines below to commit them.
.env
.env.*
`},
}

// checkNewPath fails when path exists.
func checkNewPath(path string) error {
	if _, err := os.Lstat(path); err == nil {
		return withExitCode(ExitModel, fmt.Errorf("the path %s already exists", path))
	} else if !errors.Is(err, os.ErrNotExist) {
		return withExitCode(ExitModel, err)
	}
	return nil
}

// newProject writes files into the new project path, runs git init unless
// path is inside a repository, and prints nextSteps.
func newProject(stdio IO, path string, files []projectFile, nextSteps string) error {
	if err := checkNewPath(path); err != nil {
		return err
	}
	parent := filepath.Dir(filepath.Clean(path))
	inRepo := insideGitRepo(parent)
	for _, f := range files {
		p := filepath.Join(path, filepath.FromSlash(f.path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return withExitCode(ExitModel, err)
		}
		if err := os.WriteFile(p, []byte(f.content), 0o644); err != nil {
			return withExitCode(ExitModel, err)
		}
	}
	if !inRepo {
		if _, err := exec.LookPath("git"); err == nil {
			cmd := exec.Command("git", "init", "-q")
			cmd.Dir = path
			if out, err := cmd.CombinedOutput(); err != nil {
				fmt.Fprintf(stdio.Err, "warning: git init failed: %v\n%s", err, out)
			}
		}
	}
	fmt.Fprintf(stdio.Out, "Created a new Exograph project in %s\n\n", path)
	fmt.Fprintf(stdio.Out, "Next steps:\n  cd %s\n%s", path, nextSteps)
	return nil
}

// insideGitRepo reports whether dir is inside a git work tree.
func insideGitRepo(dir string) bool {
	if _, err := exec.LookPath("git"); err != nil {
		return false
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, ".git")); err == nil {
			return true
		}
		up := filepath.Dir(d)
		if up == d {
			break
		}
		d = up
	}
	cmd := exec.Command("git", "rev-parse", "--is-inside-work-tree")
	cmd.Dir = dir
	out, err := cmd.Output()
	return err == nil && string(out) == "true\n"
}
