// SPDX-License-Identifier: MIT
// ctemplate_render.cc - renders tests/compat/corpus.txt with Google's
// ctemplate, for comparison with khora's engine (khora_render.c reads
// the same corpus; the corpus's header says its format).
#include <ctemplate/template.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

// "\n", "\r", "\t", "\\" and "\xHH" in a corpus value
static std::string unescape(const std::string &s) {
	std::string out;
	for (size_t i = 0; i < s.size(); i++) {
		if (s[i] != '\\' || i + 1 == s.size()) {
			out += s[i];
			continue;
		}
		char c = s[++i];
		if (c == 'n')
			out += '\n';
		else if (c == 't')
			out += '\t';
		else if (c == 'r')
			out += '\r';
		else if (c == 'x' && i + 2 < s.size() + 1) {
			out += (char)std::stoi(s.substr(i + 1, 2), nullptr, 16);
			i += 2;
		} else
			out += c;
	}
	return out;
}

static ctemplate::Strip strip_of(const std::string &s) {
	if (s == "blank-lines")
		return ctemplate::STRIP_BLANK_LINES;
	if (s == "whitespace")
		return ctemplate::STRIP_WHITESPACE;
	return ctemplate::DO_NOT_STRIP;
}

int main(int argc, char **argv) {
	std::ifstream in(argv[1]);
	std::string line, name, tmpl, file, strip = "none";
	std::vector<std::pair<std::string, std::string> > files;
	ctemplate::TemplateDictionary *dict = nullptr, *iter = nullptr;
	ctemplate::TemplateDictionary *inc = nullptr;
	int part = 0, n = 0;  // 0 dictionary, 1 a file, 2 the template
	auto flush = [&]() {
		if (!dict)
			return;
		std::string out, key = std::to_string(n) + "/main";
		ctemplate::Strip st = strip_of(strip);
		bool ok = true;
		for (auto &f : files)
			ok = ok && ctemplate::StringToTemplateCache(
				std::to_string(n) + "/" + f.first, f.second, st);
		ok = ok && ctemplate::StringToTemplateCache(key, tmpl, st);
		ok = ok && ctemplate::ExpandTemplate(key, st, dict, &out);
		// a newline after each output, so that the next "=== "
		// starts a line even after one that ends without any
		std::cout << "=== " << name << "\n"
			  << (ok ? out : std::string("!error\n")) << "\n";
		delete dict;
		dict = nullptr;
	};
	while (std::getline(in, line)) {
		if (line.rfind("=== ", 0) == 0) {
			flush();
			n++;
			name = line.substr(4);
			dict = new ctemplate::TemplateDictionary(name);
			tmpl.clear();
			files.clear();
			strip = "none";
			part = 0;
			continue;
		}
		if (!dict || (line.rfind("#", 0) == 0 && part == 0))
			continue;
		if (line == "--- template") {
			part = 2;
			continue;
		}
		if (line.rfind("--- file ", 0) == 0) {
			part = 1;
			files.push_back({ line.substr(9), "" });
			continue;
		}
		if (part) {
			(part == 2 ? tmpl : files.back().second) += line + "\n";
			continue;
		}
		std::istringstream words(line);
		std::string kind, key, value;
		words >> kind >> key;
		std::getline(words, value);
		if (!value.empty() && value[0] == ' ')
			value.erase(0, 1);
		value = unescape(value);
		if (kind == "var")
			dict->SetValue(key, value);
		else if (kind == "show")
			dict->ShowSection(key);
		else if (kind == "iter")
			iter = dict->AddSectionDictionary(key);
		else if (kind == "ivar" && iter)
			iter->SetValue(key, value);
		else if (kind == "include") {
			inc = dict->AddIncludeDictionary(key);
			inc->SetFilename(std::to_string(n) + "/" + key);
		} else if (kind == "incvar" && inc)
			inc->SetValue(key, value);
		else if (kind == "strip")
			strip = key;
	}
	flush();
	return 0;
}
