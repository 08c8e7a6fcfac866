package policy

// An instant is a point in time as seconds and nanoseconds since 1970 UTC.
// Date conditions parse the request's value at each evaluation, so the
// parser below is written to allocate nothing (time.Parse allocates for a
// numeric zone offset, and for every error).
type instant struct {
	sec  int64
	nsec int32
}

func (a instant) cmp(b instant) int {
	switch {
	case a.sec < b.sec:
		return -1
	case a.sec > b.sec:
		return 1
	case a.nsec < b.nsec:
		return -1
	case a.nsec > b.nsec:
		return 1
	}
	return 0
}

// parseDate parses the forms AWS accepts for date conditions: the W3C
// profile of ISO 8601 —
//
//	YYYY-MM-DD
//	YYYY-MM-DDThh:mmTZD
//	YYYY-MM-DDThh:mm:ssTZD
//	YYYY-MM-DDThh:mm:ss.sTZD
//
// where TZD is Z, +hh:mm or -hh:mm (or +hhmm, or absent for UTC) — and
// epoch time, whole seconds since 1970 as aws:EpochTime gives it. A string
// of digits alone is always epoch time, so the W3C year-only forms (YYYY,
// YYYY-MM) are read only when they carry the dash: "2024-05".
func parseDate(s string) (instant, bool) {
	if len(s) == 0 || len(s) > 64 {
		return instant{}, false
	}
	if n, ok := epoch(s); ok {
		return instant{sec: n}, true
	}
	var p dateParser
	p.s = s
	year, ok := p.digits(4)
	if !ok {
		return instant{}, false
	}
	month, day := 1, 1
	if p.eat('-') {
		if month, ok = p.digits(2); !ok {
			return instant{}, false
		}
		if p.eat('-') {
			if day, ok = p.digits(2); !ok {
				return instant{}, false
			}
		}
	} else {
		return instant{}, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, month) {
		return instant{}, false
	}
	var hour, min, sec, nsec int
	zone := 0
	if p.eat('T') || p.eat('t') {
		if hour, ok = p.digits(2); !ok || !p.eat(':') {
			return instant{}, false
		}
		if min, ok = p.digits(2); !ok {
			return instant{}, false
		}
		if p.eat(':') {
			if sec, ok = p.digits(2); !ok {
				return instant{}, false
			}
			if p.eat('.') || p.eat(',') {
				digits := 0
				for p.i < len(p.s) && isDigit(p.s[p.i]) {
					if digits < 9 {
						nsec = nsec*10 + int(p.s[p.i]-'0')
					}
					digits++
					p.i++
				}
				if digits == 0 {
					return instant{}, false
				}
				for ; digits < 9; digits++ {
					nsec *= 10
				}
			}
		}
		if hour > 23 || min > 59 || sec > 59 {
			return instant{}, false
		}
		switch {
		case p.eat('Z') || p.eat('z'):
		case p.i < len(p.s) && (p.s[p.i] == '+' || p.s[p.i] == '-'):
			sign := 1
			if p.s[p.i] == '-' {
				sign = -1
			}
			p.i++
			zh, ok := p.digits(2)
			if !ok {
				return instant{}, false
			}
			p.eat(':')
			zm, ok := p.digits(2)
			if !ok || zh > 23 || zm > 59 {
				return instant{}, false
			}
			zone = sign * (zh*3600 + zm*60)
		}
	}
	if p.i != len(p.s) {
		return instant{}, false
	}
	days := daysFromCivil(year, month, day)
	return instant{sec: days*86400 + int64(hour*3600+min*60+sec-zone), nsec: int32(nsec)}, true
}

// epoch parses s as whole seconds since 1970, perhaps negative.
func epoch(s string) (int64, bool) {
	i := 0
	neg := s[0] == '-'
	if neg {
		i++
	}
	if i == len(s) || len(s)-i > 15 { // beyond year 30,000,000: not a date
		return 0, false
	}
	var n int64
	for ; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		n = n*10 + int64(s[i]-'0')
	}
	if neg {
		n = -n
	}
	return n, true
}

type dateParser struct {
	s string
	i int
}

func (p *dateParser) digits(n int) (int, bool) {
	if p.i+n > len(p.s) {
		return 0, false
	}
	v := 0
	for i := p.i; i < p.i+n; i++ {
		c := p.s[i]
		if !isDigit(c) {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v, true
}

func (p *dateParser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func daysIn(year, month int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to the given date of the
// proleptic Gregorian calendar (Howard Hinnant's algorithm).
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400 // y >= -1 here, and era 0 covers 0000-0399
	if y < 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}
