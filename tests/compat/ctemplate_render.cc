// SPDX-License-Identifier: MIT
// ctemplate_render.cc - renders tests/compat/corpus.txt with Google's
// ctemplate (DO_NOT_STRIP), for comparison with khora's engine.
#include <ctemplate/template.h>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

int main(int argc, char **argv) {
	std::ifstream in(argv[1]);
	std::string line, name, tmpl;
	ctemplate::TemplateDictionary *dict = nullptr, *iter = nullptr;
	bool in_tmpl = false;
	auto flush = [&]() {
		if (!dict)
			return;
		std::string out;
		ctemplate::StringToTemplateCache(name, tmpl,
						 ctemplate::DO_NOT_STRIP);
		ctemplate::ExpandTemplate(name, ctemplate::DO_NOT_STRIP, dict,
					  &out);
		std::cout << "=== " << name << "\n" << out;
		delete dict;
		dict = nullptr;
	};
	while (std::getline(in, line)) {
		if (line.rfind("=== ", 0) == 0) {
			flush();
			name = line.substr(4);
			dict = new ctemplate::TemplateDictionary(name);
			tmpl.clear();
			in_tmpl = false;
			continue;
		}
		if (line == "--- template") {
			in_tmpl = true;
			continue;
		}
		if (in_tmpl) {
			tmpl += line + "\n";
			continue;
		}
		std::istringstream words(line);
		std::string kind, key, value;
		words >> kind >> key;
		std::getline(words, value);
		if (!value.empty() && value[0] == ' ')
			value.erase(0, 1);
		if (kind == "var")
			dict->SetValue(key, value);
		else if (kind == "show")
			dict->ShowSection(key);
		else if (kind == "iter")
			iter = dict->AddSectionDictionary(key);
		else if (kind == "ivar" && iter)
			iter->SetValue(key, value);
	}
	flush();
	return 0;
}
