package migrate

import (
	"fmt"
	"strings"

	"github.com/exo-dev/exo/schema"
)

// Messages of `exo schema verify`, as Exograph prints them.
const (
	CompatibleMessage  = "This model is compatible with the database schema!"
	IncompatibleHeader = "This model is not compatible with the current database schema. You may need to update your model to match or perform a migration to update it.\nThe following issues should be corrected:"
	IncompatibleError  = "Incompatible model."
	UpToDateMessage    = "The schema is up to date. No migrations needed."
)

// Issue is one incompatibility found by Verify.
type Issue struct {
	Change  schema.Change
	Message string
}

// Verify lists what makes the model incompatible with the database: every
// difference except those a running model does not notice (schemas,
// tables, enums, sequences, extensions and indexes the model does not use,
// and extra columns that are nullable or have a default). Both schemas
// should be limited to the scope.
func Verify(desired, live *schema.Schema) []Issue {
	var out []Issue
	for _, c := range schema.Compare(desired, live) {
		if m := issueMessage(c); m != "" {
			out = append(out, Issue{Change: c, Message: m})
		}
	}
	return out
}

func qualified(n schema.Name) string { return n.String() }

func issueMessage(c schema.Change) string {
	t := qualified(c.Name)
	switch c.Kind {
	case schema.DropSchema, schema.DropTable, schema.DropEnum, schema.DropSequence, schema.DropExtension, schema.DropIndex:
		return ""
	case schema.CreateSchema:
		return fmt.Sprintf("The schema `%s` exists in the model, but does not exist in the database.", c.Name.Name)
	case schema.CreateExtension:
		return fmt.Sprintf("The extension `%s` exists in the model, but does not exist in the database.", c.Name.Name)
	case schema.CreateEnum:
		return fmt.Sprintf("The enum `%s` exists in the model, but does not exist in the database.", t)
	case schema.AlterEnum:
		return fmt.Sprintf("The enum `%s` has values (%s) in the database, but (%s) in the model.", t,
			strings.Join(c.OldEnum.Values, ", "), strings.Join(c.Enum.Values, ", "))
	case schema.CreateSequence:
		return fmt.Sprintf("The sequence `%s` exists in the model, but does not exist in the database.", t)
	case schema.CreateTable:
		return fmt.Sprintf("The table `%s` exists in the model, but does not exist in the database.", t)
	case schema.AddColumn:
		return fmt.Sprintf("The column `%s` in the table `%s` exists in the model, but does not exist in the database table.", c.Column.Name, t)
	case schema.DropColumn:
		if c.OldColumn.Nullable || c.OldColumn.Default != "" || c.OldColumn.Serial {
			return ""
		}
		return fmt.Sprintf("The non-nullable column `%s` in the table `%s` exists in the database table, but does not exist in the model.", c.OldColumn.Name, t)
	case schema.AlterColumnType:
		return fmt.Sprintf("The column `%s` in the table `%s` has type `%s` in the database, but `%s` in the model.", c.Column.Name, t, c.OldColumn.Type, c.Column.Type)
	case schema.AlterColumnNullability:
		if c.Column.Nullable {
			return fmt.Sprintf("The column `%s` in the table `%s` is NOT NULL in the database, but optional in the model.", c.Column.Name, t)
		}
		return fmt.Sprintf("The column `%s` in the table `%s` is not set to NOT NULL.", c.Column.Name, t)
	case schema.AlterColumnDefault:
		switch {
		case c.Column.Serial && !c.OldColumn.Serial:
			return fmt.Sprintf("The column `%s` in the table `%s` is auto-incremented in the model, but not in the database.", c.Column.Name, t)
		case c.OldColumn.Serial && !c.Column.Serial:
			return fmt.Sprintf("The column `%s` in the table `%s` is auto-incremented in the database, but not in the model.", c.Column.Name, t)
		case c.Column.Default == "":
			return fmt.Sprintf("The column `%s` in the table `%s` has a default value (%s) in the database, but not in the model.", c.Column.Name, t, c.OldColumn.Default)
		case c.OldColumn.Default == "":
			return fmt.Sprintf("The column `%s` in the table `%s` has a default value (%s) in the model, but not in the database.", c.Column.Name, t, c.Column.Default)
		}
		return fmt.Sprintf("The default value of the column `%s` in the table `%s` is `%s` in the database, but `%s` in the model.", c.Column.Name, t, c.OldColumn.Default, c.Column.Default)
	case schema.AlterPrimaryKey:
		return fmt.Sprintf("The primary key of the table `%s` is (%s) in the database, but (%s) in the model.", t,
			strings.Join(c.OldPrimaryKey, ", "), strings.Join(c.PrimaryKey, ", "))
	case schema.AddForeignKey:
		return fmt.Sprintf("The foreign key constraint `%s` in the table `%s` exists in the model, but does not exist in the database table: (%s) references %s (%s).", c.ForeignKey.Name, t,
			strings.Join(c.ForeignKey.Columns, ", "), qualified(c.ForeignKey.RefTable), strings.Join(c.ForeignKey.RefColumns, ", "))
	case schema.DropForeignKey:
		return fmt.Sprintf("The foreign key constraint `%s` in the table `%s` exists in the database table, but does not exist in the model: (%s) references %s (%s).", c.ForeignKey.Name, t,
			strings.Join(c.ForeignKey.Columns, ", "), qualified(c.ForeignKey.RefTable), strings.Join(c.ForeignKey.RefColumns, ", "))
	case schema.AddUnique:
		return fmt.Sprintf("The unique constraint `%s` in the table `%s` exists in the model, but does not exist in the database table.", c.Unique.Name, t)
	case schema.DropUnique:
		return fmt.Sprintf("The unique constraint `%s` in the table `%s` exists in the database table, but does not exist in the model.", c.Unique.Name, t)
	case schema.CreateIndex:
		return fmt.Sprintf("The index `%s` in the table `%s` exists in the model, but does not exist in the database table.", c.Index.Name, t)
	case schema.CreateTrigger:
		return fmt.Sprintf("The trigger `%s` in the table `%s` exists in the model, but does not exist in the database table.", c.Trigger.Name, t)
	case schema.DropTrigger:
		return fmt.Sprintf("The trigger `%s` in the table `%s` exists in the database table, but does not exist in the model.", c.Trigger.Name, t)
	}
	return c.String()
}

// VerifyReport renders issues as `exo schema verify` prints them (without
// the final "Error: Incompatible model.").
func VerifyReport(issues []Issue) string {
	if len(issues) == 0 {
		return CompatibleMessage + "\n"
	}
	var b strings.Builder
	b.WriteString(IncompatibleHeader)
	b.WriteByte('\n')
	for _, is := range issues {
		b.WriteString("- ")
		b.WriteString(is.Message)
		b.WriteByte('\n')
	}
	return b.String()
}
