package naming

import (
	"regexp"
	"strings"
	"sync"
)

// The tables below are those of the pluralize library (v8) that the Rust
// pluralizer crate ports; Exograph calls pluralizer::pluralize(name, 2, false).

var irregularPairs = [][2]string{
	{"I", "we"}, {"me", "us"}, {"he", "they"}, {"she", "they"}, {"them", "them"},
	{"myself", "ourselves"}, {"yourself", "yourselves"}, {"itself", "themselves"},
	{"herself", "themselves"}, {"himself", "themselves"}, {"themself", "themselves"},
	{"is", "are"}, {"was", "were"}, {"has", "have"}, {"this", "these"}, {"that", "those"},
	{"echo", "echoes"}, {"dingo", "dingoes"}, {"volcano", "volcanoes"}, {"tornado", "tornadoes"},
	{"torpedo", "torpedoes"},
	{"genus", "genera"}, {"viscus", "viscera"},
	{"stigma", "stigmata"}, {"stoma", "stomata"}, {"dogma", "dogmata"}, {"lemma", "lemmata"},
	{"schema", "schemata"}, {"anathema", "anathemata"},
	{"ox", "oxen"}, {"axe", "axes"}, {"die", "dice"}, {"yes", "yeses"}, {"foot", "feet"},
	{"eave", "eaves"}, {"goose", "geese"}, {"tooth", "teeth"}, {"quiz", "quizzes"},
	{"human", "humans"}, {"proof", "proofs"}, {"carve", "carves"}, {"valve", "valves"},
	{"looey", "looies"}, {"thief", "thieves"}, {"groove", "grooves"}, {"pickaxe", "pickaxes"},
	{"passerby", "passersby"},
}

var pluralRuleSrc = [][2]string{
	{`s?$`, "s"},
	{`[^\x{0000}-\x{007F}]$`, "$0"},
	{`([^aeiou]ese)$`, "$1"},
	{`(ax|test)is$`, "$1es"},
	{`(alias|[^aou]us|t[lm]as|gas|ris)$`, "$1es"},
	{`(e[mn]u)s?$`, "$1s"},
	{`([^l]ias|[aeiou]las|[ejzr]as|[iu]am)$`, "$1"},
	{`(alumn|syllab|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$`, "$1i"},
	{`(alumn|alg|vertebr)(?:a|ae)$`, "$1ae"},
	{`(cod|mur|sil|vert|ind|append)(?:ex|ices)$`, "$1ices"},
	{`(agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|automat|quor)(?:a|um)$`, "$1a"},
	{`(apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)(?:a|on)$`, "$1a"},
	{`sis$`, "ses"},
	{`(?:(kni|wi|li)fe|(ar|l|ea|eo|oa|hoo)f)$`, "$1$2ves"},
	{`([^aeiouy]|qu)y$`, "$1ies"},
	{`([^ch][ieo][ln])ey$`, "$1ies"},
	{`(x|ch|ss|sh|zz)$`, "$1es"},
	{`(matr|cod|mur|sil|vert|ind|append)(?:ix|ex)$`, "$1ices"},
	{`\b((?:tit)?m|l)(?:ice|ouse)$`, "$1ice"},
	{`(pe)(?:rson|ople)$`, "$1ople"},
	{`(child)(?:ren)?$`, "$1ren"},
	{`eaux$`, "$0"},
	{`m[ae]n$`, "men"},
	{`^thou$`, "you"},
	// Uncountable regular expressions are added last as identity rules.
	{`pok[eé]mon$`, "$0"},
	{`[^aeiou]ese$`, "$0"},
	{`deer$`, "$0"},
	{`fish$`, "$0"},
	{`measles$`, "$0"},
	{`o[iu]s$`, "$0"},
	{`pox$`, "$0"},
	{`sheep$`, "$0"},
}

var uncountableWords = []string{
	"adulthood", "advice", "agenda", "aid", "aircraft", "alcohol", "ammo", "analytics", "anime",
	"athletics", "audio", "bison", "blood", "bream", "buffalo", "butter", "carp", "cash", "chassis",
	"chess", "clothing", "cod", "commerce", "cooperation", "corps", "debris", "diabetes",
	"digestion", "elk", "energy", "equipment", "excretion", "expertise", "firmware", "flounder",
	"fun", "gallows", "garbage", "graffiti", "hardware", "headquarters", "health", "herpes",
	"highjinks", "homework", "housework", "information", "jeans", "justice", "kudos", "labour",
	"literature", "machinery", "mackerel", "mail", "media", "mews", "moose", "music", "mud",
	"manga", "news", "only", "personnel", "pike", "plankton", "pliers", "police", "pollution",
	"premises", "rain", "research", "rice", "salmon", "scissors", "series", "sewage", "shambles",
	"shrimp", "software", "species", "staff", "swine", "tennis", "traffic", "transportation",
	"trout", "tuna", "wealth", "welfare", "whiting", "wildebeest", "wildlife", "you",
}

type pluralRule struct {
	re   *regexp.Regexp
	repl string
}

var (
	pluralRules       []pluralRule
	irregularSingles  = map[string]string{}
	irregularPlurals  = map[string]string{}
	uncountableTokens = map[string]bool{}
)

func init() {
	for _, p := range irregularPairs {
		s, pl := strings.ToLower(p[0]), strings.ToLower(p[1])
		irregularSingles[s] = pl
		irregularPlurals[pl] = s
	}
	for _, r := range pluralRuleSrc {
		pluralRules = append(pluralRules, pluralRule{regexp.MustCompile(`(?i)` + r[0]), r[1]})
	}
	for _, w := range uncountableWords {
		uncountableTokens[w] = true
	}
}

// restoreCase gives token the letter case of word (pluralize's restoreCase).
func restoreCase(word, token string) string {
	switch {
	case word == token:
		return token
	case word == strings.ToLower(word):
		return strings.ToLower(token)
	case word == strings.ToUpper(word):
		return strings.ToUpper(token)
	}
	first := word[:1]
	if first == strings.ToUpper(first) && token != "" {
		return strings.ToUpper(token[:1]) + strings.ToLower(token[1:])
	}
	return strings.ToLower(token)
}

// interpolate expands $0..$99 in repl from the submatches of word.
func interpolate(repl, word string, m []int) string {
	var b strings.Builder
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		if c != '$' || i+1 >= len(repl) || repl[i+1] < '0' || repl[i+1] > '9' {
			b.WriteByte(c)
			continue
		}
		n := int(repl[i+1] - '0')
		i++
		if i+1 < len(repl) && repl[i+1] >= '0' && repl[i+1] <= '9' && (n*10+int(repl[i+1]-'0'))*2 < len(m) {
			n = n*10 + int(repl[i+1]-'0')
			i++
		}
		if 2*n+1 < len(m) && m[2*n] >= 0 {
			b.WriteString(word[m[2*n]:m[2*n+1]])
		}
	}
	return b.String()
}

// pluralize returns the English plural of word as the pluralize library
// does, keeping the word's letter case.
func pluralize(word string) string {
	token := strings.ToLower(word)
	if _, ok := irregularPlurals[token]; ok {
		return restoreCase(word, token)
	}
	if pl, ok := irregularSingles[token]; ok {
		return restoreCase(word, pl)
	}
	if token == "" || uncountableTokens[token] {
		return word
	}
	for i := len(pluralRules) - 1; i >= 0; i-- {
		r := pluralRules[i]
		m := r.re.FindStringSubmatchIndex(word)
		if m == nil {
			continue
		}
		match := word[m[0]:m[1]]
		result := interpolate(r.repl, word, m)
		if match == "" {
			if m[0] > 0 {
				result = restoreCase(word[m[0]-1:m[0]], result)
			}
		} else {
			result = restoreCase(match, result)
		}
		return word[:m[0]] + result + word[m[1]:]
	}
	return word
}

// Plural returns Exograph's default plural of a type name: the pluralizer
// result, or name+"s" when pluralisation leaves the name unchanged
// ("Concert" -> "Concerts", "Person" -> "People", "Numbers" -> "Numberss").
func Plural(name string) string {
	if p, ok := pluralCache.Load(name); ok {
		return p.(string)
	}
	p := plural(name)
	pluralCache.Store(name, p)
	return p
}

// pluralCache memoizes Plural: the rule regexps dominate compile time
// otherwise, and type names repeat across rebuilds (exo dev).
var pluralCache sync.Map

func plural(name string) string {
	p := pluralize(name)
	if p == name {
		return name + "s"
	}
	return p
}
